import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pemBlocks } from "./pem.js";
import { absoluteLayout } from "./write-device-files.js";

/** The stable code of each problem the checker can find. */
export type DeviceFileProblemCode =
  | "missing_file"
  | "unreadable_certificate"
  | "unreadable_key"
  | "encrypted_key"
  | "key_readable_by_others"
  | "key_folder_open"
  | "leaf_not_first"
  | "certificate_differs_from_chain"
  | "common_name_mismatch"
  | "key_mismatch"
  | "chain_broken"
  | "untrusted_root"
  | "expires_after_2037"
  | "expired"
  | "not_yet_valid";

export interface DeviceFileProblem {
  code: DeviceFileProblemCode;
  message: string;
  /** The file concerned, when there is one. */
  file?: string;
}

export interface DeviceFileCheck {
  /** No problem found: IoT Edge and EFLOW can provision with these files. */
  ok: boolean;
  problems: DeviceFileProblem[];
}

export interface CheckOptions {
  /** The root the chain must verify to; by default the layout's `certs/edge-pki-root-ca.cert.pem`. */
  rootCertificatePem?: string;
  /** Injected for tests; the current time by default. */
  now?: Date;
}

/** IoT Edge 1.1 refuses certificates that expire on or after this; so may 32-bit devices still. */
const IOT_EDGE_LIMIT = Date.UTC(2038, 0, 1);

/**
 * Tells whether a device's file set (the layout `writeDeviceFiles` writes) will work for IoT Edge,
 * naming every problem it finds: the leaf must come first in the chain file, its CN must equal the
 * registration ID, the key must be unencrypted and match the certificate, the chain must verify to
 * the root, and nothing may expire on or after 2038-01-01. It never throws for a bad file set.
 *
 * @example
 * ```ts
 * const { ok, problems } = await checkDeviceFiles("./out", "line7-0001");
 * for (const problem of problems) console.error(`${problem.code}: ${problem.message}`);
 * ```
 */
export async function checkDeviceFiles(
  dir: string,
  deviceId: string,
  options: CheckOptions = {},
): Promise<DeviceFileCheck> {
  const layout = absoluteLayout(dir, deviceId);
  const problems: DeviceFileProblem[] = [];
  const report = (code: DeviceFileProblemCode, message: string, file?: string) =>
    problems.push(file === undefined ? { code, message } : { code, message, file });

  const chain = await readCertificates(layout.fullChain, report);
  const certificate = (await readCertificates(layout.certificate, report))?.[0];
  const rootPem = options.rootCertificatePem ?? (await readText(layout.root, report));
  const root = rootPem === undefined ? undefined : parseCertificates(rootPem, layout.root, report)?.[0];
  const key = await readKey(layout.privateKey, report);

  const leaf = chain?.[0];
  if (chain && leaf) {
    if (leaf.ca) {
      report(
        "leaf_not_first",
        "the first certificate of the chain is a CA: IoT Edge takes the device from the first one, so the leaf must come first",
        layout.fullChain,
      );
    }
    if (leaf.subject !== `CN=${deviceId}`) {
      report(
        "common_name_mismatch",
        `the first certificate's subject is ${JSON.stringify(leaf.subject)}, not CN=${deviceId}: DPS needs the CN to be the registration ID`,
        layout.fullChain,
      );
    }
    if (certificate && certificate.fingerprint256 !== leaf.fingerprint256) {
      report(
        "certificate_differs_from_chain",
        "the certificate file is not the chain's first certificate",
        layout.certificate,
      );
    }
    if (key && !leaf.checkPrivateKey(key)) {
      report("key_mismatch", "the private key does not belong to the device certificate", layout.privateKey);
    }
    checkChain(chain, root, layout.fullChain, report);
    checkValidity(chain, root, options.now ?? new Date(), report, layout.fullChain);
  }
  return { ok: problems.length === 0, problems };
}

type Report = (code: DeviceFileProblemCode, message: string, file?: string) => void;

function checkChain(
  chain: X509Certificate[],
  root: X509Certificate | undefined,
  file: string,
  report: Report,
) {
  for (let index = 0; index + 1 < chain.length; index++) {
    const child = chain[index] as X509Certificate;
    const parent = chain[index + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      report(
        "chain_broken",
        `certificate ${index + 1} of the chain (${child.subject}) is not signed by certificate ${index + 2} (${parent.subject})`,
        file,
      );
    }
  }
  if (root === undefined) return;
  const top = chain.at(-1) as X509Certificate;
  const isRoot = top.fingerprint256 === root.fingerprint256;
  if (!isRoot && !(top.checkIssued(root) && top.verify(root.publicKey))) {
    report("untrusted_root", `the chain does not lead to the root ${root.subject}`, file);
  }
}

function checkValidity(
  chain: X509Certificate[],
  root: X509Certificate | undefined,
  now: Date,
  report: Report,
  file: string,
) {
  const inChain = (candidate: X509Certificate) =>
    chain.some((certificate) => certificate.fingerprint256 === candidate.fingerprint256);
  for (const certificate of root && !inChain(root) ? [...chain, root] : chain) {
    if (Date.parse(certificate.validTo) >= IOT_EDGE_LIMIT) {
      report(
        "expires_after_2037",
        `${certificate.subject} expires ${certificate.validTo}: IoT Edge refuses chains that expire on or after 2038-01-01`,
        file,
      );
    }
  }
  const leaf = chain[0] as X509Certificate;
  if (Date.parse(leaf.validTo) < now.getTime()) {
    report("expired", `the device certificate expired ${leaf.validTo}`, file);
  } else if (Date.parse(leaf.validFrom) > now.getTime()) {
    report("not_yet_valid", `the device certificate is valid only from ${leaf.validFrom}`, file);
  }
}

async function readText(path: string, report: Report): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    report(
      missing ? "missing_file" : "unreadable_certificate",
      `${path}: ${missing ? "missing" : (error as Error).message}`,
      path,
    );
    return undefined;
  }
}

async function readCertificates(path: string, report: Report): Promise<X509Certificate[] | undefined> {
  const text = await readText(path, report);
  return text === undefined ? undefined : parseCertificates(text, path, report);
}

function parseCertificates(text: string, path: string, report: Report): X509Certificate[] | undefined {
  const blocks = pemBlocks(text, "CERTIFICATE");
  if (blocks.length === 0) {
    report("unreadable_certificate", `${path} holds no PEM certificate`, path);
    return undefined;
  }
  try {
    return blocks.map((der) => new X509Certificate(der));
  } catch (error) {
    report("unreadable_certificate", `${path}: ${(error as Error).message}`, path);
    return undefined;
  }
}

async function readKey(path: string, report: Report): Promise<KeyObject | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
    report(
      missing ? "missing_file" : "unreadable_key",
      `${path}: ${missing ? "missing" : (error as Error).message}`,
      path,
    );
    return undefined;
  }
  if (process.platform !== "win32" && ((await stat(path)).mode & 0o077) !== 0) {
    report("key_readable_by_others", `${path} may be read by other users: it must be 0600`, path);
  }
  // Others who may write in the key's folder may replace the key; who may list it learns it exists.
  if (process.platform !== "win32" && ((await stat(dirname(path))).mode & 0o077) !== 0) {
    report("key_folder_open", `${dirname(path)} is open to other users: it must be 0700`, path);
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    report("encrypted_key", `${path} is encrypted: IoT Edge's keyd loads only unencrypted keys`, path);
    return undefined;
  }
  try {
    return createPrivateKey(text);
  } catch (error) {
    report("unreadable_key", `${path}: ${(error as Error).message}`, path);
    return undefined;
  }
}

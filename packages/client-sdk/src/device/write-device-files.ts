import { mkdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  ensurePrivateDirectory,
  type FileHost,
  type FileToWrite,
  replaceFiles,
  thisHost,
} from "@edge-pki/host-kit/private-files";
import { type DeviceFileLayout, deviceFileLayout } from "./file-layout.js";
import { certificatePems } from "./pem.js";
import { writeOnce } from "./write-once.js";

/** What a device's files are made of. */
export interface DeviceFileContents {
  deviceId: string;
  privateKeyPem: string;
  certificatePem: string;
  /** Leaf first, then the issuing CA, then the root. */
  fullChainPem: string;
  /** A PKCS#12 of the key and chain, when one was asked for. */
  pfx?: Uint8Array | undefined;
}

/** The absolute paths written; `pfx` only when there was one. */
export type WrittenDeviceFiles = Omit<DeviceFileLayout, "pfx"> & { pfx?: string };

export interface WriteOptions {
  /**
   * Replace the device's files when they exist (a renewal in place): each is written to a temporary
   * file in its folder first, and all are then renamed into place. Default false: never overwrite.
   */
  replace?: boolean;
  /** Injected for tests of the Windows branch. */
  host?: FileHost;
}

const PRIVATE = 0o600;
const PUBLIC = 0o644;

/**
 * Writes a device's files in the IoT Edge / certGen.sh layout under `outDir`: the full chain (leaf
 * first), the certificate, the root, and the key (and PKCS#12) in `private/`, a 0700 folder with
 * 0600 files on POSIX and an Administrators-and-SYSTEM ACL on Windows. Each file is created
 * atomically and never overwritten: one that exists with the same content is left as it is (so a
 * resumed run can finish a half-written set), one with other content fails with `FileExistsError`.
 * With `replace: true` existing files are replaced instead, each atomically (temporary file and
 * rename in the same folder), after every new file has been written in full.
 *
 * @example
 * ```ts
 * const identity = await client.createDeviceIdentity("line7-0001");
 * const files = await writeDeviceFiles("./out", identity);
 * console.log(files.fullChain, files.privateKey);
 * ```
 */
export async function writeDeviceFiles(
  outDir: string,
  contents: DeviceFileContents,
  { host = thisHost, replace = false }: WriteOptions = {},
): Promise<WrittenDeviceFiles> {
  if (replace) return replaceDeviceFiles(outDir, contents, host);
  await writePrivateKeyFile(outDir, contents.deviceId, contents.privateKeyPem, { host });
  let pfx: string | undefined;
  if (contents.pfx !== undefined) {
    pfx = absoluteLayout(outDir, contents.deviceId).pfx;
    await writeOnce(pfx, contents.pfx, PRIVATE);
  }
  const written = await writeCertificateFiles(outDir, contents.deviceId, contents);
  return pfx === undefined ? written : { ...written, pfx };
}

/**
 * Writes the certificate files of a device whose key is already in place (`writePrivateKeyFile`):
 * the root, the certificate, then the full chain. Same rules as `writeDeviceFiles`.
 *
 * @example
 * ```ts
 * const issued = await client.issueCertificate({ csr: csr.pem }, { idempotencyKey });
 * await writeCertificateFiles("./out", issued.deviceId, issued);
 * ```
 */
export async function writeCertificateFiles(
  outDir: string,
  deviceId: string,
  certificates: { certificatePem: string; fullChainPem: string },
): Promise<Omit<DeviceFileLayout, "pfx">> {
  const { pfx: _none, ...paths } = absoluteLayout(outDir, deviceId);
  const root = certificatePems(certificates.fullChainPem).at(-1);
  if (root === undefined) throw new TypeError("the full chain holds no certificate");
  await mkdir(join(resolve(outDir), "certs"), { recursive: true, mode: 0o755 });
  await writeOnce(paths.root, root, PUBLIC);
  await writeOnce(paths.certificate, certificates.certificatePem, PUBLIC);
  // The chain last: its presence marks a complete set for a reader that only looks for it.
  await writeOnce(paths.fullChain, certificates.fullChainPem, PUBLIC);
  return paths;
}

/**
 * Writes only the device's key, into the private folder: a batch (or a device's first boot) does so
 * before it sends the CSR, so that a run killed after the service's answer can send the same request
 * again. Returns the key file's absolute path.
 *
 * @example
 * ```ts
 * const key = await generateDeviceKey();
 * const path = await writePrivateKeyFile("./out", "line7-0001", privateKeyPem(key.privateKey));
 * ```
 */
export async function writePrivateKeyFile(
  outDir: string,
  deviceId: string,
  privateKeyPem: string,
  { host = thisHost }: WriteOptions = {},
): Promise<string> {
  const path = absoluteLayout(outDir, deviceId).privateKey;
  await mkdir(resolve(outDir), { recursive: true, mode: 0o755 });
  await preparePrivateFolder(join(resolve(outDir), "private"), host);
  await writeOnce(path, privateKeyPem, PRIVATE);
  return path;
}

async function replaceDeviceFiles(
  outDir: string,
  contents: DeviceFileContents,
  host: FileHost,
): Promise<WrittenDeviceFiles> {
  const { pfx: pfxPath, ...paths } = absoluteLayout(outDir, contents.deviceId);
  const root = certificatePems(contents.fullChainPem).at(-1);
  if (root === undefined) throw new TypeError("the full chain holds no certificate");
  await mkdir(join(resolve(outDir), "certs"), { recursive: true, mode: 0o755 });
  await preparePrivateFolder(join(resolve(outDir), "private"), host);
  const files: FileToWrite[] = [{ path: paths.privateKey, content: contents.privateKeyPem, mode: PRIVATE }];
  if (contents.pfx !== undefined) files.push({ path: pfxPath, content: contents.pfx, mode: PRIVATE });
  files.push(
    { path: paths.root, content: root, mode: PUBLIC },
    { path: paths.certificate, content: contents.certificatePem, mode: PUBLIC },
    // The chain last, as above.
    { path: paths.fullChain, content: contents.fullChainPem, mode: PUBLIC },
  );
  await replaceFiles(files);
  return contents.pfx === undefined ? paths : { ...paths, pfx: pfxPath };
}

/** Private folders this process prepared and that still exist: icacls need not run per device. */
const prepared = new Set<string>();

async function preparePrivateFolder(path: string, host: FileHost): Promise<void> {
  if (prepared.has(path) && (await stat(path).catch(() => undefined))?.isDirectory()) return;
  await ensurePrivateDirectory(path, { host });
  prepared.add(path);
}

/**
 * The layout with absolute paths.
 *
 * @example
 * ```ts
 * absoluteLayout("/srv/out", "line7-0001").privateKey; // "/srv/out/private/iot-edge-device-identity-line7-0001.key.pem"
 * ```
 */
export function absoluteLayout(outDir: string, deviceId: string): DeviceFileLayout {
  const base = resolve(outDir);
  const layout = deviceFileLayout(deviceId);
  return {
    fullChain: join(base, layout.fullChain),
    certificate: join(base, layout.certificate),
    privateKey: join(base, layout.privateKey),
    root: join(base, layout.root),
    pfx: join(base, layout.pfx),
  };
}

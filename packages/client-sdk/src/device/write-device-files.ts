import { mkdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  ensurePrivateDirectory,
  type FileHost,
  thisHost,
  writeNewFile,
} from "@edge-pki/host-kit/private-files";
import { FileExistsError } from "../errors.js";
import { type DeviceFileLayout, deviceFileLayout } from "./file-layout.js";
import { certificatePems } from "./pem.js";

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
  { host = thisHost }: WriteOptions = {},
): Promise<WrittenDeviceFiles> {
  const paths = absoluteLayout(outDir, contents.deviceId);
  const certificates = certificatePems(contents.fullChainPem);
  const root = certificates.at(-1);
  if (root === undefined) throw new TypeError("the full chain holds no certificate");
  await writePrivateKeyFile(outDir, contents.deviceId, contents.privateKeyPem, { host });
  let pfx: string | undefined;
  if (contents.pfx !== undefined) {
    await writeOnce(paths.pfx, contents.pfx, PRIVATE);
    pfx = paths.pfx;
  }
  await mkdir(join(resolve(outDir), "certs"), { recursive: true, mode: 0o755 });
  await writeOnce(paths.root, root, PUBLIC);
  await writeOnce(paths.certificate, contents.certificatePem, PUBLIC);
  // The chain last: its presence marks a complete set for a reader that only looks for it.
  await writeOnce(paths.fullChain, contents.fullChainPem, PUBLIC);
  const { pfx: _unused, ...written } = paths;
  return pfx === undefined ? written : { ...written, pfx };
}

/**
 * Writes only the device's key, into the private folder: a batch does so before it sends the CSR,
 * so that a run killed after the service's answer can send the same request again.
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

/** Private folders this process prepared and that still exist: icacls need not run per device. */
const prepared = new Set<string>();

async function preparePrivateFolder(path: string, host: FileHost): Promise<void> {
  if (prepared.has(path) && (await stat(path).catch(() => undefined))?.isDirectory()) return;
  await ensurePrivateDirectory(path, { host });
  prepared.add(path);
}

/** The layout with absolute paths. */
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

async function writeOnce(path: string, content: string | Uint8Array, mode: number): Promise<void> {
  try {
    await writeNewFile(path, content, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    const existing = await readFile(path);
    const wanted = typeof content === "string" ? Buffer.from(content) : Buffer.from(content);
    if (!existing.equals(wanted)) throw new FileExistsError(path);
  }
}

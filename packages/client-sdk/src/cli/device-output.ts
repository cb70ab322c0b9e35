import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { assertWritableFolder } from "@edge-pki/host-kit/private-files";
import type { DeviceIdentity } from "../device/device-identity.js";
import { absoluteLayout, type WrittenDeviceFiles, writeDeviceFiles } from "../device/write-device-files.js";
import { describeError } from "./describe-error.js";

/**
 * Checks, before a request is sent, that device files can be written under `outDir` (and its
 * certs/ and private/): a certificate the CA issued (or a renewal it spent) must never be lost to a
 * folder that turns out to be a file, read-only or /proc.
 */
export function assertDeviceFolder(outDir: string): Promise<void> {
  return assertWritableFolder(outDir, ["certs", "private"]);
}

/**
 * The same for a new device's files, which must not exist yet either: a new key never matches
 * them, and they are never overwritten.
 */
export async function assertNewDeviceFiles(outDir: string, deviceId: string): Promise<void> {
  await assertDeviceFolder(outDir);
  const { privateKey, pfx, certificate, fullChain } = absoluteLayout(outDir, deviceId);
  const existing = [privateKey, pfx, certificate, fullChain].find((path) => existsSync(path));
  if (existing !== undefined) {
    throw new Error(`${existing} already exists and is never overwritten: choose another --out`);
  }
}

/**
 * Writes what the CA issued; when that still fails, the new key and certificate are not lost: they
 * go to a recovery folder beside `outDir` (or in the temporary folder when that fails too), and the
 * error says where, in one line.
 */
export async function writeOrRecover(
  outDir: string,
  identity: DeviceIdentity,
  { replace = false }: { replace?: boolean } = {},
): Promise<WrittenDeviceFiles> {
  try {
    return await writeDeviceFiles(outDir, identity, { replace });
  } catch (error) {
    const reason = describeError(error);
    const recovery = await saveForRecovery(outDir, identity);
    throw new Error(
      recovery === undefined
        ? `the new certificate could not be written to ${outDir} (${reason}), nor to a recovery folder`
        : `the new certificate could not be written to ${outDir} (${reason}); the new files were saved in ${recovery}: move them into place`,
    );
  }
}

async function saveForRecovery(outDir: string, identity: DeviceIdentity): Promise<string | undefined> {
  const target = resolve(outDir);
  const places = [dirname(target), tmpdir()];
  for (const place of places) {
    try {
      const folder = await mkdtemp(join(place, `${basename(target)}.edge-pki-recovered-`));
      await writeDeviceFiles(folder, identity);
      return folder;
    } catch {
      // The next place.
    }
  }
  return undefined;
}

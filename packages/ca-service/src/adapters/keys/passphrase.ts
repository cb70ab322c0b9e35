import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeNewFile } from "@edge-pki/host-kit/private-files";
import { CaError } from "../../core/errors.js";

export const PASSPHRASE_FILE = "key-passphrase";

export interface ResolvedPassphrase {
  passphrase: string;
  /** Set when a passphrase file was just generated, so the caller can warn. */
  generatedAt?: string;
}

/**
 * EDGE_PKI_KEY_PASSPHRASE when set. Otherwise a passphrase kept in a 0600 file in the data folder,
 * generated on first start: still encrypted at rest, but only as safe as that folder. Only a
 * command that creates keys may `generate` one; otherwise a missing file resolves to undefined.
 */
export async function resolvePassphrase(
  dataDir: string,
  configured: string | undefined,
  generate: boolean,
): Promise<ResolvedPassphrase | undefined> {
  if (configured !== undefined) return { passphrase: configured };
  const path = join(dataDir, PASSPHRASE_FILE);
  try {
    return { passphrase: (await readFile(path, "utf8")).trim() };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (!generate) return undefined;
  // Keys sealed with a passphrase given in the environment: a new random one would only make a
  // stray file that every later start without the variable would wrongly use.
  if (await hasKeyFiles(dataDir)) {
    throw new CaError(
      "ca_material_invalid",
      `${join(dataDir, "keys")} holds encrypted keys but EDGE_PKI_KEY_PASSPHRASE is not set and there is no ${path}: set EDGE_PKI_KEY_PASSPHRASE to the passphrase they were created with`,
    );
  }
  const passphrase = randomBytes(32).toString("base64url");
  try {
    await writeNewFile(path, `${passphrase}\n`, 0o600);
  } catch (error) {
    // Another process started at the same moment and won: use its passphrase.
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      return { passphrase: (await readFile(path, "utf8")).trim() };
    throw error;
  }
  return { passphrase, generatedAt: path };
}

/** Whether the data folder's keys/ holds key files. */
export async function hasKeyFiles(dataDir: string): Promise<boolean> {
  try {
    return (await readdir(join(dataDir, "keys"))).some((name) => name.endsWith(".key.pem"));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
}

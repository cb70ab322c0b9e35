import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeNewFile } from "../fs/write-new-file.js";

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

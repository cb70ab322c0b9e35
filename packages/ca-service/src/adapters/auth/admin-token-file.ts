import { access } from "node:fs/promises";
import { join } from "node:path";
import { writeNewFile } from "@edge-pki/host-kit/private-files";

export const ADMIN_TOKEN_FILE = "admin.token";

export interface AdminTokenFile {
  path: string;
  /** False when the file already existed: it is never overwritten. */
  created: boolean;
}

/**
 * `<data folder>/admin.token` when it exists. Otherwise, with `mint`, writes the token it mints there
 * (0600); without, undefined. The token goes only into the file; callers print the path.
 */
export async function adminTokenFile(
  dataDir: string,
  mint: (() => Promise<string>) | undefined,
): Promise<AdminTokenFile | undefined> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  if (await exists(path)) return { path, created: false };
  if (mint === undefined) return undefined;
  try {
    await writeNewFile(path, `${await mint()}\n`, 0o600);
    return { path, created: true };
  } catch (error) {
    // Another replica on the same folder wrote it first; the token we minted is simply unused.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return { path, created: false };
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

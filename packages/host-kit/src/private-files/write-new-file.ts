import { link, mkdir, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory, writeTemporaryBeside } from "./staged-file.js";

/**
 * Writes a file that must not exist yet, atomically and durably: the content goes to a temporary
 * file (created with `mode`, fsynced), which is then hard-linked into place. `link` fails with EEXIST
 * instead of replacing, so a key is never overwritten and never seen half-written; that error (a
 * Node.js error whose `code` is "EEXIST") reaches the caller, who may then read the file another
 * process wrote first. Missing parent folders are made 0700.
 *
 * `mode` (0600 for keys and tokens) applies on POSIX; on Windows the file takes the ACL its folder
 * passes on: make the folder with `ensurePrivateDirectory` first.
 */
export async function writeNewFile(path: string, content: Uint8Array | string, mode: number): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = await writeTemporaryBeside(path, content, mode);
  try {
    await link(temporary, path);
  } finally {
    await unlink(temporary);
  }
  await syncDirectory(dirname(path));
}

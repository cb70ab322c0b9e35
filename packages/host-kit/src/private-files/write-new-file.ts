import { randomBytes } from "node:crypto";
import { link, mkdir, open, unlink } from "node:fs/promises";
import { dirname, join } from "node:path";

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
  const temporary = join(dirname(path), `.${randomBytes(8).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(temporary, path);
  } finally {
    await unlink(temporary);
  }
  const directory = await open(dirname(path), "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}

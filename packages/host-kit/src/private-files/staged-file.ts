import { randomBytes } from "node:crypto";
import { open } from "node:fs/promises";
import { dirname, join } from "node:path";

/**
 * Writes `content` to a new temporary file in `path`'s own folder (created with `mode`, fsynced) and
 * returns its path. Being in the same folder, it can then be linked or renamed into place
 * atomically: a reader never sees a half-written file.
 */
export async function writeTemporaryBeside(
  path: string,
  content: Uint8Array | string,
  mode: number,
): Promise<string> {
  const temporary = join(dirname(path), `.${randomBytes(8).toString("hex")}.tmp`);
  const handle = await open(temporary, "wx", mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temporary;
}

/** Makes a link or rename in `directory` durable: without it, a crash may undo it. */
export async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { writeNewFile } from "@edge-pki/host-kit/private-files";
import { FileExistsError } from "../errors.js";

/**
 * Creates a file atomically (host-kit's `writeNewFile`) and never overwrites: a file that exists
 * with the same content is fine (a resumed run, the root every device shares), one with other
 * content is a `FileExistsError`. An existing file is read rather than created again: a read costs a
 * fraction of a create that fails (a batch writes the shared root once per device).
 */
export async function writeOnce(path: string, content: string | Uint8Array, mode: number): Promise<void> {
  const wanted = typeof content === "string" ? Buffer.from(content) : content;
  if (existsSync(path) && (await sameContent(path, wanted))) return;
  try {
    await writeNewFile(path, content, mode);
  } catch (error) {
    // Another process wrote it between the read and the create.
    if ((error as NodeJS.ErrnoException).code !== "EEXIST" || !(await sameContent(path, wanted))) throw error;
  }
}

/** True for the same content, false when absent; a `FileExistsError` for other content. */
async function sameContent(path: string, wanted: Uint8Array): Promise<boolean> {
  let existing: Buffer;
  try {
    existing = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  if (!existing.equals(wanted)) throw new FileExistsError(path);
  return true;
}

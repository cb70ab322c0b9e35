import { readFile } from "node:fs/promises";

/** A file's bytes, or undefined when it does not exist (any other failure still throws). */
export async function readIfPresent(path: string): Promise<Buffer | undefined> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

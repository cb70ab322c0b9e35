import { readFile, writeFile } from "node:fs/promises";
import { replaceFiles } from "../private-files/replace-files.js";

/**
 * Edits the `config.toml` at `path` (a missing file is empty) with `edit`. When the text changes,
 * the old file is kept beside it first (`config.toml.<time>.bak`, 0600; none for a file that did not
 * exist), and the new one replaces it whole (0600, as aziot's own). `edit` throwing changes nothing.
 */
export async function editConfigTomlFile(
  path: string,
  edit: (original: string) => string,
  now: Date = new Date(),
): Promise<{ changed: boolean; backup?: string }> {
  const original = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return "";
    throw error;
  });
  const edited = edit(original);
  if (edited === original) return { changed: false };
  let backup: string | undefined;
  if (original !== "") {
    backup = `${path}.${now.toISOString().replaceAll(":", "-")}.bak`;
    await writeFile(backup, original, { mode: 0o600 });
  }
  await replaceFiles([{ path, content: edited, mode: 0o600 }]);
  return { changed: true, ...(backup !== undefined && { backup }) };
}

import { rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory, writeTemporaryBeside } from "./staged-file.js";

/** One file of a set that `replaceFiles` writes. */
export interface FileToWrite {
  path: string;
  content: Uint8Array | string;
  /** POSIX mode of the new file, such as 0o600 for a key. */
  mode: number;
}

/**
 * Writes a set of files, replacing any that exist (a certificate renewed in place): every file is
 * first written in full to a temporary file in its own folder and fsynced, and only then are they
 * renamed into place, in the order given, and their folders fsynced. Each file is at any moment
 * either its old or its new content, never half-written; when a temporary file cannot be written,
 * nothing is replaced. The folders must exist.
 *
 * @example
 * ```ts
 * await replaceFiles([
 *   { path: "/etc/aziot/device.key.pem", content: keyPem, mode: 0o600 },
 *   { path: "/etc/aziot/device.cert.pem", content: chainPem, mode: 0o644 },
 * ]);
 * ```
 */
export async function replaceFiles(files: readonly FileToWrite[]): Promise<void> {
  const staged: { temporary: string; path: string }[] = [];
  let renamed = 0;
  try {
    for (const { path, content, mode } of files) {
      staged.push({ temporary: await writeTemporaryBeside(path, content, mode), path });
    }
    for (const { temporary, path } of staged) {
      await rename(temporary, path);
      renamed++;
    }
  } finally {
    // The temporary files a failure left behind: those renamed are gone already.
    await Promise.all(staged.slice(renamed).map(({ temporary }) => rm(temporary, { force: true })));
  }
  for (const folder of new Set(files.map((file) => dirname(file.path)))) await syncDirectory(folder);
}

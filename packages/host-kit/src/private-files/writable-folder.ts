import { randomBytes } from "node:crypto";
import { open, stat, unlink } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

/** A folder a program must write to cannot be written to: it is a file, or creating files fails. */
export class FolderNotWritableError extends Error {
  override readonly name = "FolderNotWritableError";

  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`cannot write to ${path}: ${reason}`, options);
  }
}

/**
 * Checks, before anything irreversible is done (a certificate issued, a renewal spent), that files
 * can be created in `path` and in the subfolders named (relative to it): each must be a folder in
 * which this process can create a file, or, when it does not exist yet, the nearest existing folder
 * above it must be. Probes by creating and deleting an empty file, since permission bits do not
 * tell (root, ACLs, read-only mounts, /proc). Creates nothing that stays.
 *
 * @throws FolderNotWritableError naming the path and why.
 *
 * @example
 * ```ts
 * await assertWritableFolder("./out", ["certs", "private"]);
 * ```
 */
export async function assertWritableFolder(path: string, subfolders: readonly string[] = []): Promise<void> {
  const absolute = resolve(path);
  for (const folder of [absolute, ...subfolders.map((name) => join(absolute, name))]) {
    await probe(await nearestExisting(folder));
  }
}

/** The folder itself, or the nearest existing one above it, which must be a folder. */
async function nearestExisting(folder: string): Promise<string> {
  for (let current = folder; ; current = dirname(current)) {
    const found = await stat(current).catch((error: NodeJS.ErrnoException) => {
      // ENOTDIR: a file above it, which the walk up names.
      if (error.code === "ENOENT" || error.code === "ENOTDIR") return undefined;
      throw new FolderNotWritableError(folder, error.code ?? error.message, { cause: error });
    });
    if (found === undefined) continue;
    if (!found.isDirectory()) {
      throw new FolderNotWritableError(folder, `${current} is a file, not a folder`);
    }
    return current;
  }
}

async function probe(folder: string): Promise<void> {
  const file = join(folder, `.${randomBytes(8).toString("hex")}.probe`);
  try {
    await (await open(file, "wx", 0o600)).close();
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new FolderNotWritableError(folder, code === undefined ? message : describeCode(code), {
      cause: error,
    });
  }
  await unlink(file);
}

function describeCode(code: string): string {
  switch (code) {
    case "EACCES":
    case "EPERM":
      return `permission denied (${code})`;
    case "EROFS":
      return "read-only file system (EROFS)";
    case "ENOENT":
      return "files cannot be created there (ENOENT)";
    default:
      return code;
  }
}

import { chmod, mkdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type FileHost, thisHost } from "./host.js";
import { restrictToAdministrators } from "./windows-acl.js";

/** Group and others may write: they could swap certificates, delete keys or plant files. */
const WRITABLE_BY_OTHERS = 0o022;

/** A folder that must be private is writable by users other than its owner (POSIX modes). */
export class DirectoryWritableByOthersError extends Error {
  override readonly name = "DirectoryWritableByOthersError";

  constructor(
    readonly path: string,
    /** The permission bits, such as 0o777. */
    readonly mode: number,
  ) {
    const octal = mode.toString(8).padStart(3, "0");
    super(`${path} is writable by other users (mode ${octal}): run chmod go-w on it (0700 is best)`);
  }
}

export interface PrivateDirectoryOptions {
  /**
   * POSIX: what to do with an existing folder that group or others may write to: refuse it
   * (the default) or take their write permission away. Reading stays the owner's choice.
   */
  writableByOthers?: "refuse" | "tighten";
  host?: FileHost;
}

/**
 * Makes `path` (and any missing parent) a private folder and returns its absolute path. POSIX: a
 * new folder is 0700; an existing one others may write to is refused or tightened. Windows: the
 * folder's ACL is set to Administrators and SYSTEM only, whether it is new or not.
 */
export async function ensurePrivateDirectory(
  path: string,
  { writableByOthers = "refuse", host = thisHost }: PrivateDirectoryOptions = {},
): Promise<string> {
  const absolute = resolve(path);
  await mkdir(absolute, { recursive: true, mode: 0o700 });
  if (host.platform === "win32") {
    await restrictToAdministrators(absolute, host);
    return absolute;
  }
  const mode = (await stat(absolute)).mode & 0o777;
  if ((mode & WRITABLE_BY_OTHERS) === 0) return absolute;
  if (writableByOthers === "refuse") throw new DirectoryWritableByOthersError(absolute, mode);
  await chmod(absolute, mode & ~WRITABLE_BY_OTHERS);
  return absolute;
}

/**
 * Refuses a folder others may write to, without creating it: an absent folder passes. POSIX only:
 * on Windows a mode does not tell who may write (use `ensurePrivateDirectory`, which sets an ACL).
 */
export async function assertNotWritableByOthers(path: string, host: FileHost = thisHost): Promise<void> {
  if (host.platform === "win32") {
    throw new Error("assertNotWritableByOthers reads POSIX modes, which Windows does not enforce");
  }
  let mode: number;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if ((mode & WRITABLE_BY_OTHERS) !== 0) throw new DirectoryWritableByOthersError(path, mode);
}

import { chmod, mkdir, stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type FileHost, thisHost } from "./host.js";
import { restrictToAdministrators } from "./windows-acl.js";

/** Group and others may write: they could swap certificates, delete keys or plant files. */
const WRITABLE_BY_OTHERS = 0o022;
/** Any access by group and others: private means the owner's alone. */
const OPEN_TO_OTHERS = 0o077;

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
   * POSIX: what to do with an existing folder that group or others may write to: refuse it (the
   * default: someone may already have planted or swapped files, which taking the permission away
   * would hide) or take their write permission away.
   */
  writableByOthers?: "refuse" | "tighten";
  host?: FileHost;
}

/** A private folder, and the mode it had when it was more open than that (POSIX). */
export interface PrivateDirectory {
  path: string;
  /** Set when group or others could read or enter it and no longer can. */
  tightenedFrom: number | undefined;
}

/**
 * Makes `path` (and any missing parent) a private folder and returns its absolute path. POSIX: a
 * new folder is 0700; an existing one others may write to is refused (or tightened, on request);
 * one they may only read or enter is made the owner's alone, as SSH insists for its keys. Windows:
 * the folder's ACL is set to Administrators and SYSTEM only, whether it is new or not.
 */
export async function ensurePrivateDirectory(
  path: string,
  options: PrivateDirectoryOptions = {},
): Promise<PrivateDirectory> {
  const absolute = resolve(path);
  await mkdir(absolute, { recursive: true, mode: 0o700 });
  return restrict(absolute, options);
}

/**
 * The same for a folder that must already exist, without creating it: undefined when it is absent.
 */
export async function restrictExistingDirectory(
  path: string,
  options: PrivateDirectoryOptions = {},
): Promise<PrivateDirectory | undefined> {
  const absolute = resolve(path);
  try {
    await stat(absolute);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return restrict(absolute, options);
}

async function restrict(
  absolute: string,
  { writableByOthers = "refuse", host = thisHost }: PrivateDirectoryOptions,
): Promise<PrivateDirectory> {
  if (host.platform === "win32") {
    await restrictToAdministrators(absolute, host);
    return { path: absolute, tightenedFrom: undefined };
  }
  const mode = (await stat(absolute)).mode & 0o777;
  if ((mode & OPEN_TO_OTHERS) === 0) return { path: absolute, tightenedFrom: undefined };
  if ((mode & WRITABLE_BY_OTHERS) !== 0 && writableByOthers === "refuse") {
    throw new DirectoryWritableByOthersError(absolute, mode);
  }
  try {
    await chmod(absolute, mode & ~OPEN_TO_OTHERS);
  } catch (error) {
    throw new DirectoryNotPrivateError(absolute, mode, error);
  }
  return { path: absolute, tightenedFrom: mode };
}

/** A folder open to other users that this process may not make private (it is not its owner). */
export class DirectoryNotPrivateError extends Error {
  override readonly name = "DirectoryNotPrivateError";

  constructor(
    readonly path: string,
    readonly mode: number,
    cause: unknown,
  ) {
    const octal = mode.toString(8).padStart(3, "0");
    const reason = (cause as NodeJS.ErrnoException).code ?? "failed";
    super(
      `${path} is open to other users (mode ${octal}) and could not be made private (${reason}): run chmod 700 on it as its owner`,
      {
        cause,
      },
    );
  }
}

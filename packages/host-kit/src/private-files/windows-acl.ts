import { win32 } from "node:path";
import type { FileHost } from "./host.js";

/** Well-known SIDs, the same on every Windows whatever its language: BUILTIN\Administrators, SYSTEM. */
const ADMINISTRATORS = "*S-1-5-32-544";
const LOCAL_SYSTEM = "*S-1-5-18";

/** icacls.exe could not be started, or refused to change the folder's ACL. */
export class IcaclsError extends Error {
  override readonly name = "IcaclsError";

  constructor(
    readonly path: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(`icacls could not make ${path} private to Administrators and SYSTEM: ${reason}`, options);
  }
}

/**
 * The icacls arguments that leave `path` (a folder) to Administrators and SYSTEM alone: inherited
 * entries removed (`/inheritance:r`), full control granted to both, replacing what they had
 * (`/grant:r`), and passed on to the files (OI) and folders (CI) inside. The path comes first and
 * absolute, so that it can never be read as a /switch.
 */
export function icaclsArguments(path: string): string[] {
  return [
    win32.resolve(path),
    "/inheritance:r",
    "/grant:r",
    `${ADMINISTRATORS}:(OI)(CI)F`,
    `${LOCAL_SYSTEM}:(OI)(CI)F`,
  ];
}

/**
 * Makes a Windows folder readable and writable only by Administrators and SYSTEM, with the
 * System32 icacls.exe (not whichever icacls comes first on PATH or in the current folder). Explicit
 * entries for other accounts that an existing folder already had are kept: use it on a folder this
 * program created.
 */
export async function restrictToAdministrators(path: string, host: FileHost): Promise<void> {
  const icacls = win32.join(host.windowsDirectory, "System32", "icacls.exe");
  const args = icaclsArguments(path);
  let result: Awaited<ReturnType<FileHost["run"]>>;
  try {
    result = await host.run(icacls, args);
  } catch (error) {
    throw new IcaclsError(args[0] as string, `could not run ${icacls}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (result.exitCode !== 0) {
    const said = firstLine(result.stderr) ?? firstLine(result.stdout) ?? "no message";
    throw new IcaclsError(args[0] as string, `exit status ${result.exitCode}: ${said}`);
  }
}

function firstLine(text: string): string | undefined {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .find((line) => line !== "");
}

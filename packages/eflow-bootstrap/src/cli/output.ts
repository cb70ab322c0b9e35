import { EdgePkiError } from "@edge-pki/client-sdk";
import {
  DirectoryWritableByOthersError,
  FolderNotWritableError,
  IcaclsError,
} from "@edge-pki/host-kit/private-files";
import { BootstrapError } from "../errors.js";

/** A progress line for the operator (stderr): results alone go to stdout. */
export const progress = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/**
 * The message of an error. A BootstrapError keeps its lines (the module's own error lines, the
 * checker's problems) and names its code; anything else is one line with its cause.
 */
export function describeError(error: unknown): string {
  if (error instanceof BootstrapError) return `${error.message} [${error.code}]`;
  if (isFileAccessError(error)) return `${error.message.replace(/\s*\n\s*/g, " ")} [file_access]`;
  if (error instanceof EdgePkiError) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`.replace(/\s*\n\s*/g, " ");
  }
  return String(error);
}

/**
 * A file or folder this process cannot use: the system refused (EACCES, EPERM, ENOTDIR, EROFS, …), or
 * a folder that must be private is not (writable by others, an ACL that cannot be set).
 */
function isFileAccessError(error: unknown): error is Error {
  if (
    error instanceof DirectoryWritableByOthersError ||
    error instanceof FolderNotWritableError ||
    error instanceof IcaclsError
  ) {
    return true;
  }
  const { code, syscall } = (error ?? {}) as { code?: unknown; syscall?: unknown };
  return (
    error instanceof Error && typeof syscall === "string" && typeof code === "string" && code.startsWith("E")
  );
}

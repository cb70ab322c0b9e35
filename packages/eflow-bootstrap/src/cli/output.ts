import { EdgePkiError } from "@edge-pki/client-sdk";
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
  if (error instanceof EdgePkiError) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`.replace(/\s*\n\s*/g, " ");
  }
  return String(error);
}

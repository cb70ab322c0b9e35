import { isRestError } from "@azure/core-rest-pipeline";

/**
 * What the vault answered, in one line: its status, error code and message for a refusal (our
 * VaultCallError messages already carry them), or what went wrong before any answer.
 */
export function vaultAnswer(error: unknown): string {
  const text = (() => {
    if (isRestError(error) && error.statusCode !== undefined) {
      return `${error.statusCode} ${error.code ?? ""} ${error.message}`;
    }
    return error instanceof Error ? error.message : String(error);
  })();
  return text.replace(/\s+/g, " ").trim();
}

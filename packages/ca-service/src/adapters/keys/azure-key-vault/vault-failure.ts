import { isRestError } from "@azure/core-rest-pipeline";
import { VaultCallError } from "./key-vault-client.js";
import { retryAfterMs } from "./throttle-retry-policy.js";

/** The Azure RBAC role an operation needs (see docs/azure-key-vault.md), named when the vault says 401/403. */
const ROLES = {
  /** Create, merge, pending operation, disabling a version: init and retiring the intermediate. */
  certificates: "Key Vault Certificates Officer (needed to run init and intermediate retire)",
  /** Reading the CA certificates: init, or serving. */
  readCertificates: "Key Vault Certificates Officer (to run init) or Key Vault Reader (to serve)",
  /** Key reads and signing. */
  crypto: "Key Vault Crypto User (needed to sign)",
} as const;

export type VaultRole = keyof typeof ROLES;

/** Which call failed, for a message an operator can act on. */
export interface VaultCallContext {
  vaultUrl: string;
  /** e.g. "create certificate edge-pki-root". */
  operation: string;
  role: VaultRole;
}

/**
 * Classifies an SDK failure (RestError, AbortError, connection or credential error) for the retry
 * policy, with a one-line message naming the vault, the operation and, for 401/403, the role.
 */
export function toVaultCallError(error: unknown, context: VaultCallContext): VaultCallError {
  const failure = error as {
    name?: string;
    statusCode?: number;
    response?: { headers?: { get(name: string): string | undefined } };
  };
  const status = failure.statusCode;
  const reason = (error instanceof Error ? error.message : String(error)).replace(/\s+/g, " ").trim();
  const message = `Key Vault ${context.vaultUrl}: ${context.operation} failed: ${status === undefined ? "" : `${status} `}${reason}${hint(status, context.role)}`;
  if (status === 429) {
    const wait = retryAfterMs(failure.response?.headers);
    return new VaultCallError("throttled", message, wait, { cause: error, status });
  }
  // Without a status, only a connection failure (a RestError) or a timeout is worth another try.
  // The rest failed before any request: @azure/identity's credential errors, and the SDK's own
  // checks of a fetched key (CryptographyClient refuses locally outside the key's nbf/exp).
  const unanswered = isRestError(error) || failure.name === "AbortError" || failure.name === "TimeoutError";
  const transient = status === undefined ? unanswered : status === 408 || status >= 500;
  return new VaultCallError(transient ? "transient" : "rejected", message, undefined, {
    cause: error,
    status,
  });
}

function hint(status: number | undefined, role: VaultRole): string {
  if (status === 401) {
    return ` (the vault refused the service's Azure credential: check EDGE_PKI_AZURE_* or the managed identity; it also needs ${ROLES[role]})`;
  }
  if (status === 403) return ` (the service's identity needs the role ${ROLES[role]} on this vault)`;
  return "";
}

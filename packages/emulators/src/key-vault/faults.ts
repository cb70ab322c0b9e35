/** Fault injection: added latency, random errors (server errors or 403) and a full outage. */
import { KeyVaultError } from "./errors.js";
import { TRANSACTION_TYPES, type TransactionType } from "./throttle.js";

/**
 * The answer to an injected error of each status. The 403 is a vault's refusal under Azure RBAC:
 * code `Forbidden`, the multi-line message, and `innererror.code` `ForbiddenByRbac`, as real vaults
 * answer a caller without the role (e.g. hashicorp/terraform-provider-azurerm#27817).
 */
export function injectedError(status: 403 | 500 | 503): KeyVaultError {
  switch (status) {
    case 403:
      return new KeyVaultError(
        403,
        "Forbidden",
        "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: (injected fault)\r\nAssignment: (not found)\r\nDecisionReason: 'DeniedWithNoValidRBAC'",
        "ForbiddenByRbac",
      );
    case 500:
      return new KeyVaultError(500, "InternalServerError", "An unexpected error occurred (injected fault).");
    case 503:
      return new KeyVaultError(503, "ServiceUnavailable", "The service is temporarily unavailable.");
  }
}

export interface FaultOptions {
  /** Probability (0..1) that an authenticated request fails with `errorStatus`. */
  errorRate?: number;
  /** Status for injected errors: 500 (default), 503, or 403 (a missing role assignment). */
  errorStatus?: 403 | 500 | 503;
  /** Delay before every request is handled, in ms. */
  latencyMs?: number;
  /**
   * Answers the first attempt of every operation of these transaction types with 429 without
   * Retry-After, and lets its retries through: an operation is known by `x-ms-client-request-id`,
   * which the SDK's retries keep. So every call meets one bare 429, whatever the timing. (A signature
   * that a caller retries with a new SDK call is a new operation: leave `keyOperation` out then.)
   */
  throttleFirstAttempts?: TransactionType[];
  /**
   * `true`: every request gets 503 ServiceUnavailable.
   * `"connection-refused"`: the listener is closed (clients get ECONNREFUSED) until the outage ends.
   */
  outage?: boolean | "connection-refused";
}

/** Checks a fault configuration and returns a copy. */
export function validateFaults(faults: FaultOptions | undefined): FaultOptions {
  const copy = { ...faults };
  if (copy.errorRate !== undefined && !(copy.errorRate >= 0 && copy.errorRate <= 1)) {
    throw new RangeError("faults.errorRate must be between 0 and 1");
  }
  if (copy.errorStatus !== undefined && ![403, 500, 503].includes(copy.errorStatus)) {
    throw new RangeError("faults.errorStatus must be 403, 500 or 503");
  }
  if (copy.latencyMs !== undefined && !(copy.latencyMs >= 0)) {
    throw new RangeError("faults.latencyMs must be non-negative");
  }
  const types = copy.throttleFirstAttempts;
  if (
    types !== undefined &&
    !(Array.isArray(types) && types.every((type) => (TRANSACTION_TYPES as readonly string[]).includes(type)))
  ) {
    throw new RangeError(
      `faults.throttleFirstAttempts must list transaction types (${TRANSACTION_TYPES.join(", ")})`,
    );
  }
  return copy;
}

import { KeyVaultError } from "./errors.js";

/**
 * Key Vault's throttling model: a sliding window of admitted transactions per vault and per
 * transaction type (service-limits: creating keys has a limit of its own, 10 per 10 s for HSM keys
 * and 20 for software keys, far below the 2,000 or 4,000 of every other key transaction). A request
 * that would exceed its type's window is answered 429 and does not count toward it
 * (overview-throttling.md).
 */

/**
 * The transaction types the emulator counts apart: key creation (a certificate create makes a key,
 * so it counts here), every other key operation (get, sign), and the vault's other transactions
 * (certificate reads, pending operations, merges).
 */
export const TRANSACTION_TYPES = ["createKey", "keyOperation", "vault"] as const;
export type TransactionType = (typeof TRANSACTION_TYPES)[number];

/** Throttling limits. Key Vault quotes limits per 10 seconds; `windowMs` shrinks the window for fast tests. */
export interface ThrottleOptions {
  /** Admitted requests per window for each transaction type without a limit in `limits`. */
  operationsPer10Seconds?: number;
  /** Admitted requests per window of one transaction type (a type with no limit at all is never throttled). */
  limits?: Partial<Record<TransactionType, number>>;
  /** Window length; default 10,000 ms. */
  windowMs?: number;
  /**
   * Whether a 429 carries `Retry-After` (whole seconds, minimum 1, and also `retry-after-ms` when
   * `windowMs` is shorter than Key Vault's 10 s); default true. Key Vault's
   * throttling guidance never promises one, and a 429 captured from a real vault's sign had none.
   */
  retryAfter?: boolean;
}

/** Key Vault counts transactions per 10 seconds. */
const KEY_VAULT_WINDOW_MS = 10_000;

/** Key Vault's 429. */
export const throttled = (): KeyVaultError =>
  new KeyVaultError(
    429,
    "Throttled",
    "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
  );

export type ThrottleDecision =
  | { admitted: true }
  | { admitted: false; retryAfterSeconds: number | undefined; retryAfterMs: number | undefined };

/** One sliding window per transaction type; only admitted requests are recorded. */
export class SlidingWindowThrottle {
  #options: ThrottleOptions | undefined;
  #admitted = new Map<TransactionType, number[]>();

  constructor(options?: ThrottleOptions) {
    this.configure(options);
  }

  /** Replaces the limits (`undefined` disables throttling) and starts fresh windows. */
  configure(options: ThrottleOptions | undefined): void {
    if (options) validate(options);
    this.#options = options ? { ...options, limits: { ...options.limits } } : undefined;
    this.#admitted = new Map();
  }

  /** Admits and records a request of `type` at `now` (ms), or says how long to wait. */
  admit(type: TransactionType, now: number): ThrottleDecision {
    const limit = this.#options?.limits?.[type] ?? this.#options?.operationsPer10Seconds;
    if (!this.#options || limit === undefined) return { admitted: true };
    const windowMs = this.#options.windowMs ?? KEY_VAULT_WINDOW_MS;
    const admitted = this.#admitted.get(type) ?? [];
    this.#admitted.set(type, admitted);
    const horizon = now - windowMs;
    while (admitted.length > 0 && (admitted[0] ?? 0) <= horizon) admitted.shift();
    if (admitted.length < limit) {
      admitted.push(now);
      return { admitted: true };
    }
    if (this.#options.retryAfter === false) {
      return { admitted: false, retryAfterSeconds: undefined, retryAfterMs: undefined };
    }
    const waitMs = Math.max(1, (admitted[0] ?? now) + windowMs - now);
    return {
      admitted: false,
      retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)),
      // A shortened window is the emulator's, not Key Vault's: whole seconds would round a wait of
      // a few ms up to the whole window, so it also says the wait in ms, in the header the Azure
      // SDKs read first. Key Vault's own 10-s window keeps the vault's whole-second answer.
      retryAfterMs: windowMs < KEY_VAULT_WINDOW_MS ? waitMs : undefined,
    };
  }
}

/** The transaction type of a request, by method and path. */
export function transactionTypeOf(method: string, path: string): TransactionType {
  if (method === "POST" && /^\/(keys|certificates)\/[^/]+\/create$/.test(path)) return "createKey";
  return path.startsWith("/keys/") ? "keyOperation" : "vault";
}

function validate(options: ThrottleOptions): void {
  const positive = (value: number | undefined) =>
    value === undefined || (Number.isInteger(value) && value > 0);
  if (!positive(options.operationsPer10Seconds)) {
    throw new RangeError("throttle.operationsPer10Seconds must be a positive integer");
  }
  for (const [type, limit] of Object.entries(options.limits ?? {})) {
    if (!(TRANSACTION_TYPES as readonly string[]).includes(type)) {
      throw new RangeError(
        `throttle.limits: unknown transaction type '${type}' (${TRANSACTION_TYPES.join(", ")})`,
      );
    }
    if (!positive(limit)) throw new RangeError(`throttle.limits.${type} must be a positive integer`);
  }
  if (options.operationsPer10Seconds === undefined && Object.keys(options.limits ?? {}).length === 0) {
    throw new RangeError("throttle needs operationsPer10Seconds or limits");
  }
  if (options.windowMs !== undefined && !(options.windowMs > 0)) {
    throw new RangeError("throttle.windowMs must be positive");
  }
  if (options.retryAfter !== undefined && typeof options.retryAfter !== "boolean") {
    throw new RangeError("throttle.retryAfter must be a boolean");
  }
}

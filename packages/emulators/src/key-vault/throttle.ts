/**
 * Key Vault's throttling model: a sliding window of admitted transactions per vault; a request that
 * would exceed it is answered 429 with `Retry-After` and does not count toward the window.
 */

/** Throttling limit. Key Vault quotes limits per 10 seconds; `windowMs` shrinks the window for fast tests. */
export interface ThrottleOptions {
  /** Admitted requests per window (Key Vault: e.g. 4,000 for software EC/RSA-2048 sign). */
  operationsPer10Seconds: number;
  /** Window length; default 10,000 ms. */
  windowMs?: number;
}

export type ThrottleDecision = { admitted: true } | { admitted: false; retryAfterSeconds: number };

/** Sliding-window limiter; only admitted requests are recorded. */
export class SlidingWindowThrottle {
  #options: ThrottleOptions | undefined;
  #admitted: number[] = [];

  constructor(options?: ThrottleOptions) {
    this.configure(options);
  }

  /** Replaces the limit (`undefined` disables throttling) and starts a fresh window. */
  configure(options: ThrottleOptions | undefined): void {
    if (
      options &&
      !(Number.isInteger(options.operationsPer10Seconds) && options.operationsPer10Seconds > 0)
    ) {
      throw new RangeError("throttle.operationsPer10Seconds must be a positive integer");
    }
    if (options?.windowMs !== undefined && !(options.windowMs > 0)) {
      throw new RangeError("throttle.windowMs must be positive");
    }
    this.#options = options ? { ...options } : undefined;
    this.#admitted = [];
  }

  /** Admits and records the request at `now` (ms), or says how long to wait. */
  admit(now: number): ThrottleDecision {
    if (!this.#options) return { admitted: true };
    const windowMs = this.#options.windowMs ?? 10_000;
    const horizon = now - windowMs;
    while (this.#admitted.length > 0 && (this.#admitted[0] ?? 0) <= horizon) this.#admitted.shift();
    if (this.#admitted.length < this.#options.operationsPer10Seconds) {
      this.#admitted.push(now);
      return { admitted: true };
    }
    const oldest = this.#admitted[0] ?? now;
    return { admitted: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + windowMs - now) / 1000)) };
  }
}

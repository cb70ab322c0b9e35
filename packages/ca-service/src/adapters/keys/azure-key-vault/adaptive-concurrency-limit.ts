/**
 * How many sign calls may be in flight at once, adapted like TCP congestion control (AIMD): every
 * success adds 1/limit (about +1 per round of calls), a 429 halves the limit once per round and
 * holds everyone back until the vault's Retry-After has passed. The vault's budget is shared by all
 * callers of this process, so backing off together is what keeps a burst from turning into a
 * storm of 429s.
 */

export interface AdaptiveLimitOptions {
  /** Upper bound (and starting point) of concurrent calls. */
  max: number;
  /** Lower bound; default 1. */
  min?: number;
  /** Clock in ms; default `Date.now`. */
  clock?: () => number;
}

/** One admitted call: report how it went exactly once, via `succeeded`, `throttled` or `release`. */
export interface Permit {
  succeeded(): void;
  /**
   * The vault answered 429: every caller pauses for `waitMs`, which is the vault's Retry-After when
   * `saidByVault`, otherwise the caller's own backoff (Key Vault often sends no Retry-After).
   */
  throttled(waitMs: number, saidByVault?: boolean): void;
  /** Any other outcome: frees the slot without adapting the limit. */
  release(): void;
}

export class AdaptiveConcurrencyLimit {
  readonly #min: number;
  readonly #max: number;
  readonly #clock: () => number;
  #limit: number;
  #inFlight = 0;
  /** Callers waiting for a slot, first come first served. */
  #queue: (() => void)[] = [];
  #pausedUntil = 0;
  /** Whether the pause that ends last is the vault's own Retry-After. */
  #pauseSaidByVault = false;
  #pauseTimer: NodeJS.Timeout | undefined;
  /** Bumped on every decrease: 429s of calls admitted before it belong to the same congestion event. */
  #epoch = 0;

  constructor(options: AdaptiveLimitOptions) {
    if (!(Number.isInteger(options.max) && options.max >= 1))
      throw new RangeError("max must be an integer ≥ 1");
    this.#max = options.max;
    this.#min = Math.min(options.min ?? 1, options.max);
    this.#clock = options.clock ?? Date.now;
    this.#limit = options.max;
  }

  /** The current limit, rounded down (for logs and tests). */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** How long every caller is still held back after a 429, in ms (0 when not). */
  get pausedForMs(): number {
    return Math.max(0, this.#pausedUntil - this.#clock());
  }

  /** Whether that pause is the wait the vault asked for (Retry-After) rather than our backoff. */
  get pauseSaidByVault(): boolean {
    return this.pausedForMs > 0 && this.#pauseSaidByVault;
  }

  /** Waits for a slot; rejects with the signal's reason when it aborts first. */
  acquire(signal?: AbortSignal): Promise<Permit> {
    signal?.throwIfAborted();
    return new Promise<Permit>((resolve, reject) => {
      const onAbort = () => {
        this.#queue = this.#queue.filter((waiter) => waiter !== entry);
        reject(signal?.reason);
      };
      const entry = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.#permit(this.#epoch));
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#queue.push(entry);
      this.#pump();
    });
  }

  #permit(epoch: number): Permit {
    let done = false;
    const finish = (adapt: () => void) => {
      if (done) return;
      done = true;
      this.#inFlight--;
      adapt();
      this.#pump();
    };
    return {
      succeeded: () =>
        finish(() => {
          this.#limit = Math.min(this.#max, this.#limit + 1 / this.#limit);
        }),
      throttled: (waitMs, saidByVault = false) =>
        finish(() => {
          const until = this.#clock() + waitMs;
          if (until >= this.#pausedUntil) {
            this.#pausedUntil = until;
            this.#pauseSaidByVault = saidByVault;
          }
          if (epoch === this.#epoch) {
            this.#limit = Math.max(this.#min, this.#limit / 2);
            this.#epoch++;
          }
        }),
      release: () => finish(() => {}),
    };
  }

  #pump(): void {
    const wait = this.#pausedUntil - this.#clock();
    if (wait > 0) {
      this.#pauseTimer ??= setTimeout(() => {
        this.#pauseTimer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    while (this.#queue.length > 0 && this.#inFlight < Math.floor(this.#limit)) {
      const grant = this.#queue.shift() as () => void;
      this.#inFlight++;
      grant();
    }
  }
}

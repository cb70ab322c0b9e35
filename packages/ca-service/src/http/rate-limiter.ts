import { CaError } from "../core/errors.js";
import { type BucketRate, type BucketState, isFull, takeToken } from "../core/token-bucket.js";
import type { Clock } from "../ports/clock.js";

/** Above this many tracked clients, buckets that have refilled are forgotten. */
const PRUNE_ABOVE = 10_000;

/**
 * In-memory token buckets, one per client key. Per process: with several replicas each enforces
 * its own budget, which bounds abuse without a shared store on the hot path.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, BucketState>();
  private readonly rate: BucketRate;

  constructor(
    perMinute: number,
    private readonly clock: Clock,
    private readonly message: string,
  ) {
    this.rate = { perMinute };
  }

  /** Spends one request from `key`'s budget, or refuses with 429 and when to retry. */
  take(key: string): void {
    const result = this.spend(key);
    if (!result.allowed) this.refuse(result.retryAfterSeconds);
  }

  private spend(key: string) {
    const now = this.clock.now().getTime();
    if (this.buckets.size > PRUNE_ABOVE) {
      for (const [name, state] of this.buckets) if (isFull(state, this.rate, now)) this.buckets.delete(name);
    }
    const result = takeToken(this.buckets.get(key), this.rate, now);
    this.buckets.set(key, result.state);
    return result;
  }

  private refuse(retryAfterSeconds: number): never {
    throw new CaError("rate_limited", `${this.message}; retry after ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }
}

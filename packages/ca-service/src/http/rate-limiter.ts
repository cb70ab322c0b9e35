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
  /** Each bucket with the rate it fills at, so that pruning never forgets one that is not full. */
  private readonly buckets = new Map<string, { state: BucketState; rate: BucketRate }>();

  /** `perMinute` is the budget of every key that is not given one of its own; 0 means unlimited. */
  constructor(
    private readonly perMinute: number,
    private readonly clock: Clock,
    private readonly message: string,
  ) {}

  /**
   * Spends one request from `key`'s budget of `perMinute` (the limiter's own unless given; 0:
   * unlimited), or refuses with 429 and when to retry.
   */
  take(key: string, perMinute = this.perMinute): void {
    if (perMinute === 0) return;
    const result = this.spend(key, { perMinute });
    if (!result.allowed) this.refuse(result.retryAfterSeconds);
  }

  private spend(key: string, rate: BucketRate) {
    const now = this.clock.now().getTime();
    if (this.buckets.size > PRUNE_ABOVE) {
      for (const [name, bucket] of this.buckets) {
        if (isFull(bucket.state, bucket.rate, now)) this.buckets.delete(name);
      }
    }
    const result = takeToken(this.buckets.get(key)?.state, rate, now);
    this.buckets.set(key, { state: result.state, rate });
    return result;
  }

  private refuse(retryAfterSeconds: number): never {
    throw new CaError("rate_limited", `${this.message}; retry after ${retryAfterSeconds} s`, {
      retryAfterSeconds,
    });
  }
}

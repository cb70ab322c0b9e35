/** A bucket's level at a moment; the limiter keeps one per client. */
export interface BucketState {
  tokens: number;
  updatedAtMs: number;
}

export interface BucketRate {
  /** Largest burst, and the refill per minute. */
  perMinute: number;
}

export type TakeResult =
  | { allowed: true; state: BucketState }
  | { allowed: false; state: BucketState; retryAfterSeconds: number };

/** Token-bucket arithmetic: refills continuously at `perMinute`, holds at most `perMinute`. */
export function takeToken(state: BucketState | undefined, rate: BucketRate, nowMs: number): TakeResult {
  const refillPerMs = rate.perMinute / 60_000;
  const current = state
    ? Math.min(rate.perMinute, state.tokens + Math.max(0, nowMs - state.updatedAtMs) * refillPerMs)
    : rate.perMinute;
  if (current >= 1) return { allowed: true, state: { tokens: current - 1, updatedAtMs: nowMs } };
  const retryAfterSeconds = Math.max(1, Math.ceil((1 - current) / refillPerMs / 1000));
  return { allowed: false, state: { tokens: current, updatedAtMs: nowMs }, retryAfterSeconds };
}

/** Whether a bucket has refilled completely, so that forgetting it changes nothing. */
export function isFull(state: BucketState, rate: BucketRate, nowMs: number): boolean {
  return state.tokens + (nowMs - state.updatedAtMs) * (rate.perMinute / 60_000) >= rate.perMinute;
}

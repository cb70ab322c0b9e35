import { type BucketRate, type BucketState, takeToken } from "../../core/token-bucket.js";

/** Refetches for unknown key ids an issuer allows: a burst of 3, then one every 10 seconds. */
const RATE: BucketRate = { perMinute: 6 };
const BURST = 3;
/** How long a key id the issuer's JWKS did not have, right after a refetch, is not asked about again. */
const ABSENT_FOR_MS = 60_000;
/** Absent key ids remembered at the most; beyond, the oldest are forgotten. */
const MAX_REMEMBERED = 1_000;

/**
 * Whether a token naming a key id the cached JWKS lacks may make us fetch the issuer's JWKS again.
 * A key the issuer has just published must work at once (no cooldown to wait out), but a flood of
 * made-up key ids must not turn into a flood of fetches at the issuer: a small burst is allowed,
 * then a steady trickle, and a key id that the issuer turned out not to have is not asked about for
 * a minute.
 */
export class UnknownKeyRefetches {
  private bucket: BucketState;
  private readonly absent = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {
    this.bucket = { tokens: BURST, updatedAtMs: now() };
  }

  mayRefetch(kid: string | undefined): boolean {
    const nowMs = this.now();
    const absentUntil = kid === undefined ? undefined : this.absent.get(kid);
    if (absentUntil !== undefined && absentUntil > nowMs) return false;
    const refill = takeToken(this.bucket, RATE, nowMs);
    this.bucket = { ...refill.state, tokens: Math.min(refill.state.tokens, BURST) };
    return refill.allowed;
  }

  /** After a refetch: the issuer does not have this key id either. */
  markAbsent(kid: string | undefined): void {
    if (kid === undefined) return;
    if (this.absent.size >= MAX_REMEMBERED) {
      const oldest = this.absent.keys().next().value;
      if (oldest !== undefined) this.absent.delete(oldest);
    }
    this.absent.set(kid, this.now() + ABSENT_FOR_MS);
  }
}

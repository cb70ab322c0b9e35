import { API_AUDIENCE, CLOCK_TOLERANCE_SECONDS, type VerifiedToken } from "../../core/token-claims.js";
import type { Clock } from "../../ports/clock.js";
import type { TokenVerifier } from "../../ports/token-verifier.js";

/** API tokens remembered at most; beyond, the oldest is forgotten (and verified again when it returns). */
const MAX_REMEMBERED = 10_000;

interface Remembered {
  verified: VerifiedToken;
  exp: number;
  nbf: number | undefined;
  iat: number | undefined;
}

/**
 * Remembers our own API tokens that verified, by their exact text, so that a factory line's token
 * costs one signature check per process instead of one per request (about a tenth of the CPU of an
 * issuance).
 *
 * What was checked stays true for the same text: the signature, algorithm, issuer and audience
 * depend only on the token and on our own key set, which is fixed for the life of the process. What
 * depends on time is checked again on every use, exactly as jose and `TrustedIssuersVerifier` check
 * it: a token past `exp` (or before `nbf`, or issued in the future, should the clock go back) is not
 * served from here but verified again, and refused with the usual reason. Revocation is not a
 * property of the token: the authenticator asks `TokenRevocations` on every request, cached or not.
 *
 * Only our own API tokens are remembered: an OpenID Connect issuer's keys can change while we run,
 * and bootstrap tokens are each used once, so remembering them would only push API tokens out.
 */
export class VerifiedTokenCache implements TokenVerifier {
  private readonly remembered = new Map<string, Remembered>();

  constructor(
    private readonly verifier: TokenVerifier,
    private readonly clock: Clock,
  ) {}

  async verify(token: string): Promise<VerifiedToken> {
    const known = this.remembered.get(token);
    if (known !== undefined) {
      if (this.stillTimely(known)) return known.verified;
      this.remembered.delete(token);
    }
    const verified = await this.verifier.verify(token);
    const { exp, nbf, iat, aud } = verified.claims;
    if (verified.kind !== "own" || aud !== API_AUDIENCE || typeof exp !== "number") return verified;
    if (this.remembered.size >= MAX_REMEMBERED) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
    // Frozen: every request that presents the token shares these claims.
    const shared: VerifiedToken = { kind: verified.kind, claims: Object.freeze({ ...verified.claims }) };
    this.remembered.set(token, {
      verified: shared,
      exp,
      nbf: typeof nbf === "number" ? nbf : undefined,
      iat: typeof iat === "number" ? iat : undefined,
    });
    return shared;
  }

  /** The time checks of `TrustedIssuersVerifier` (jose's `exp` and `nbf`, then our `iat`), again. */
  private stillTimely(known: Remembered): boolean {
    const nowSeconds = this.clock.now().getTime() / 1000;
    const now = Math.floor(nowSeconds);
    if (known.nbf !== undefined && known.nbf > now + CLOCK_TOLERANCE_SECONDS) return false;
    if (known.exp <= now - CLOCK_TOLERANCE_SECONDS) return false;
    return known.iat === undefined || known.iat <= nowSeconds + CLOCK_TOLERANCE_SECONDS;
  }
}

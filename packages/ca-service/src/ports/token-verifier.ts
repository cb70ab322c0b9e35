import type { VerifiedToken } from "../core/token-claims.js";

/**
 * Checks a bearer token's signature against a trusted issuer's keys, its algorithm against that
 * issuer's allow-list, and `iss`, `aud`, `exp` and `nbf`. Throws a CaError: `unauthorized` for a
 * token it refuses, `unavailable` when an issuer's keys cannot be fetched.
 */
export interface TokenVerifier {
  verify(token: string): Promise<VerifiedToken>;
}

import { decodeJwt, type JWTVerifyGetKey, jwtVerify } from "jose";
import { type AccessTokenRules, assertAccessToken } from "../../core/access-token-rules.js";
import { isLooseCompactJws } from "../../core/compact-jws.js";
import { CaError } from "../../core/errors.js";
import { CLOCK_TOLERANCE_SECONDS, type IssuerKind, type VerifiedToken } from "../../core/token-claims.js";
import type { Clock } from "../../ports/clock.js";
import type { TokenVerifier } from "../../ports/token-verifier.js";
import { fromJoseError } from "./jose-errors.js";

/** One issuer we accept tokens from, with the only algorithms and audiences we accept from it. */
export interface TrustedIssuer {
  kind: IssuerKind;
  issuer: string;
  audiences: string[];
  algorithms: string[];
  keys: JWTVerifyGetKey;
  /** External issuers: what makes one of their tokens an access token for us. */
  accessTokens?: AccessTokenRules;
}

/**
 * Verifies a token against the issuer it names. The unverified `iss` only picks which keys and
 * rules apply; every claim is then checked by jose against that issuer's configuration.
 */
export class TrustedIssuersVerifier implements TokenVerifier {
  private readonly issuers: Map<string, TrustedIssuer>;

  constructor(
    issuers: readonly TrustedIssuer[],
    private readonly clock: Clock,
  ) {
    this.issuers = new Map(issuers.map((issuer) => [issuer.issuer, issuer]));
  }

  async verify(token: string): Promise<VerifiedToken> {
    let claimedIssuer: unknown;
    try {
      claimedIssuer = decodeJwt(token).iss;
    } catch (cause) {
      throw new CaError("unauthorized", "the token is not a well-formed JWT", { cause });
    }
    const trusted = typeof claimedIssuer === "string" ? this.issuers.get(claimedIssuer) : undefined;
    if (trusted === undefined) throw new CaError("unauthorized", "the token's issuer is not trusted");
    try {
      const { payload, protectedHeader } = await jwtVerify(token, trusted.keys, {
        issuer: trusted.issuer,
        audience: trusted.audiences,
        algorithms: trusted.algorithms,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "sub"],
        currentDate: this.clock.now(),
      });
      // jose checks iat only with maxTokenAge: a token issued in the future is refused here.
      const latest = this.clock.now().getTime() / 1000 + CLOCK_TOLERANCE_SECONDS;
      if (typeof payload.iat === "number" && payload.iat > latest) {
        throw new CaError("unauthorized", "the token was issued in the future");
      }
      // A token that verifies, spelled otherwise than base64url writes it, is not taken as itself.
      if (isLooseCompactJws(token)) {
        throw new CaError("unauthorized", "the token is not a JWT in canonical base64url");
      }
      const claims = payload as Record<string, unknown>;
      if (trusted.accessTokens !== undefined)
        assertAccessToken(protectedHeader, claims, trusted.accessTokens);
      return { kind: trusted.kind, claims };
    } catch (error) {
      throw fromJoseError(error);
    }
  }
}

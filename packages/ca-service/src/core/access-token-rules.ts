import { CaError } from "./errors.js";

/** What a trusted OpenID Connect issuer's tokens must look like to be taken as access tokens. */
export interface AccessTokenRules {
  /** exp - iat at most this: a token meant to last days is not a session's access token. */
  maxLifetimeSeconds: number;
  /** When set, Entra's `ver` claim must be present and one of these ("1.0", "2.0"). */
  versions?: readonly string[] | undefined;
}

/** `typ` values of access tokens: Entra's and most issuers' `JWT`, and RFC 9068's `at+jwt`. */
const ACCESS_TOKEN_TYPES = new Set(["jwt", "at+jwt", "application/at+jwt"]);
/** Claims only ID tokens carry (OpenID Connect Core §2, §3.1.3.6, §3.3.2.11). */
const ID_TOKEN_CLAIMS = ["nonce", "at_hash", "c_hash", "s_hash"];
/** Entra's `idtyp` on access tokens says who the token is for. */
const ENTRA_IDTYPS = new Set(["app", "user"]);

/**
 * Refuses what a verified token from an external issuer is, if not an access token: an ID token
 * (by its header type or by the claims only ID tokens carry; for an API that also signs users in,
 * it can name our audience), a token of another Entra version than configured, or one that lives
 * longer than `maxLifetimeSeconds`.
 */
export function assertAccessToken(
  header: { typ?: unknown },
  claims: Record<string, unknown>,
  rules: AccessTokenRules,
): void {
  if (
    header.typ !== undefined &&
    !(typeof header.typ === "string" && ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase()))
  ) {
    // JSON.stringify, not String: a JSON value may be an object whose toString is not a function.
    const type = typeof header.typ === "string" ? header.typ : JSON.stringify(header.typ);
    throw refuse(`a token of type ${type} is not an access token`);
  }
  const idTokenClaim = ID_TOKEN_CLAIMS.find((claim) => claims[claim] !== undefined);
  if (idTokenClaim !== undefined) {
    throw refuse(`the token is an ID token (it carries ${idTokenClaim}); send an access token for this API`);
  }
  if (claims.idtyp !== undefined && !(typeof claims.idtyp === "string" && ENTRA_IDTYPS.has(claims.idtyp))) {
    throw refuse("the token's idtyp does not name an access token");
  }
  // `idtyp` is an optional claim, and an Entra ID token fetched without a nonce carries none of the
  // claims above; but only Entra's access tokens name the client application (`azp` in v2.0,
  // `appid` in v1.0). `tid` marks a token as Entra's.
  if (claims.tid !== undefined && claims.azp === undefined && claims.appid === undefined) {
    throw refuse("the Entra token names no client application (azp or appid): it is not an access token");
  }
  if (
    rules.versions !== undefined &&
    !(typeof claims.ver === "string" && rules.versions.includes(claims.ver))
  ) {
    throw refuse(`the token's ver must be ${rules.versions.join(" or ")}`);
  }
  const issuedAt = typeof claims.iat === "number" ? claims.iat : claims.nbf;
  if (typeof issuedAt !== "number" || typeof claims.exp !== "number") {
    throw refuse("the token has no iat (or nbf): its lifetime cannot be checked");
  }
  if (claims.exp - issuedAt > rules.maxLifetimeSeconds) {
    throw refuse(
      `the token lives longer than the ${rules.maxLifetimeSeconds} seconds allowed for this issuer`,
    );
  }
}

function refuse(message: string): CaError {
  return new CaError("unauthorized", message);
}

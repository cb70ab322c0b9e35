import { DEVICE_ID_PATTERN, DEVICE_PREFIX_PATTERN } from "@edge-pki/api-contract";
import { CaError } from "./errors.js";
import type { Principal } from "./principal.js";
import { isRole, type Role } from "./roles.js";

/** `iss` of the tokens this service mints. */
export const OWN_ISSUER = "urn:edge-pki:ca";
/** `aud` of the tokens this service mints for its API. */
export const API_AUDIENCE = "edge-pki:api";
/** `aud` of one-time bootstrap tokens: the issuance endpoint and nothing else. */
export const BOOTSTRAP_AUDIENCE = "edge-pki:certificates";
/** Our own tokens are ES256 only; external issuers get their own allow-list, never `none` or HMAC. */
export const OWN_ALGORITHMS = ["ES256"] as const;
/** Tolerated clock difference with token issuers when checking `exp` and `nbf`. */
export const CLOCK_TOLERANCE_SECONDS = 60;

export const BOOTSTRAP_TOKEN_DEFAULT_SECONDS = 15 * 60;
export const BOOTSTRAP_TOKEN_MAX_SECONDS = 24 * 3600;
export const API_TOKEN_MAX_SECONDS = 365 * 86_400;

/** The largest per-token rate limit, as for the service-wide settings. */
export const RATE_LIMIT_MAX_PER_MINUTE = 1_000_000;

/** What the service signs; registered claims plus our `roles`, `device_prefix` and `rate_limit_per_minute`. */
export interface TokenClaims {
  [claim: string]: unknown;
  iss: string;
  sub: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  roles: Role[];
  device_prefix?: string;
  rate_limit_per_minute?: number;
}

export interface ApiTokenRequest {
  subject: string;
  roles: Role[];
  devicePrefix?: string | undefined;
  /** The token's own request budget, instead of the service's default for callers. */
  rateLimitPerMinute?: number | undefined;
  lifetimeSeconds: number;
  now: Date;
  tokenId: string;
}

/** Claims of a token for our own API (admin, issuer or reader). */
export function apiTokenClaims(request: ApiTokenRequest): TokenClaims {
  if (request.roles.length === 0 || request.roles.includes("device-bootstrap")) {
    throw new CaError("invalid_request", "an API token needs admin, issuer or reader roles");
  }
  if (request.devicePrefix !== undefined && !DEVICE_PREFIX_PATTERN.test(request.devicePrefix)) {
    throw new CaError("invalid_request", "the device prefix must be 1 to 63 device-ID characters");
  }
  if (request.rateLimitPerMinute !== undefined && !isRateLimit(request.rateLimitPerMinute)) {
    throw new CaError(
      "invalid_request",
      `the rate limit must be a whole number of requests per minute from 1 to ${RATE_LIMIT_MAX_PER_MINUTE}`,
    );
  }
  const claims = baseClaims(
    request.subject,
    API_AUDIENCE,
    request.now,
    request.lifetimeSeconds,
    request.tokenId,
  );
  const result: TokenClaims = { ...claims, roles: request.roles };
  if (request.devicePrefix !== undefined) result.device_prefix = request.devicePrefix;
  if (request.rateLimitPerMinute !== undefined) result.rate_limit_per_minute = request.rateLimitPerMinute;
  return result;
}

/** A per-token budget: a whole number of requests per minute, 1 to {@link RATE_LIMIT_MAX_PER_MINUTE}. */
export function isRateLimit(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= RATE_LIMIT_MAX_PER_MINUTE;
}

/**
 * Claims of a one-time bootstrap token: `sub` is the only device it may get a certificate for.
 * `minted_by` names the API token of ours that minted it, so that revoking that token voids every
 * bootstrap token it handed out; and the bootstrap token expires no later than that token, because a
 * revocation is only remembered until the revoked token expires.
 */
export function bootstrapTokenClaims(request: {
  deviceId: string;
  lifetimeSeconds: number;
  now: Date;
  tokenId: string;
  mintedBy?: { tokenId: string; expiresAt: Date | undefined } | undefined;
}): TokenClaims {
  const minterSecondsLeft =
    request.mintedBy?.expiresAt === undefined
      ? Number.POSITIVE_INFINITY
      : Math.floor((request.mintedBy.expiresAt.getTime() - request.now.getTime()) / 1000);
  const claims = baseClaims(
    request.deviceId,
    BOOTSTRAP_AUDIENCE,
    request.now,
    Math.max(0, Math.min(request.lifetimeSeconds, minterSecondsLeft)),
    request.tokenId,
  );
  const result: TokenClaims = { ...claims, roles: ["device-bootstrap"] };
  if (request.mintedBy !== undefined) result.minted_by = request.mintedBy.tokenId;
  return result;
}

function baseClaims(subject: string, audience: string, now: Date, lifetimeSeconds: number, tokenId: string) {
  const iat = Math.floor(now.getTime() / 1000);
  return { iss: OWN_ISSUER, sub: subject, aud: audience, iat, exp: iat + lifetimeSeconds, jti: tokenId };
}

/** Which kind of trusted issuer vouched for a token. */
export type IssuerKind = "own" | "oidc";

/** A token whose signature, algorithm, `iss`, `aud`, `exp` and `nbf` an adapter already checked. */
export interface VerifiedToken {
  kind: IssuerKind;
  claims: Record<string, unknown>;
}

/** Roles only this service grants: one-time bootstrap tokens, and EST credentials (never a token). */
const ONLY_OURS: ReadonlySet<Role> = new Set(["device-bootstrap", "est-enroll"]);

/**
 * The rules for what a verified token may claim. Our own tokens must be exactly what we mint (a
 * bootstrap token carries only `device-bootstrap`, its audience and a `jti`; an API token never
 * carries `device-bootstrap`). External issuers' roles come from `roles`; roles we do not know are
 * ignored, and `device-bootstrap` is never taken from them because only we can make it one-time.
 */
export function principalFromToken(token: VerifiedToken): Principal {
  const { claims } = token;
  const subject = claims.sub;
  if (typeof subject !== "string" || subject.length === 0 || subject.length > 256) {
    throw invalid("the token has no usable subject");
  }
  const issuer = claims.iss as string;
  const rolesClaim = claims.roles ?? [];
  if (!Array.isArray(rolesClaim)) throw invalid("the token's roles claim is not a list");
  const devicePrefix = claims.device_prefix;
  if (
    devicePrefix !== undefined &&
    (typeof devicePrefix !== "string" || !DEVICE_PREFIX_PATTERN.test(devicePrefix))
  ) {
    throw invalid("the token's device_prefix claim is not a device-ID prefix");
  }
  const base = { subject, issuer, devicePrefix, bootstrap: undefined };

  if (token.kind === "oidc") {
    const roles = rolesClaim.filter((role): role is Role => isRole(role) && !ONLY_OURS.has(role));
    return { ...base, roles };
  }

  if (!rolesClaim.every(isRole)) throw invalid("the token names an unknown role");
  const roles = rolesClaim as Role[];
  if (roles.includes("est-enroll")) throw invalid("est-enroll comes with an EST credential, never a token");
  const audiences =
    typeof claims.aud === "string" ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (roles.includes("device-bootstrap")) {
    const { jti, exp } = claims;
    if (roles.length !== 1 || audiences.length !== 1 || audiences[0] !== BOOTSTRAP_AUDIENCE) {
      throw invalid("a bootstrap token must carry only its role and the issuance audience");
    }
    if (typeof jti !== "string" || jti.length === 0 || typeof exp !== "number") {
      throw invalid("a bootstrap token needs a jti and an expiry");
    }
    if (!DEVICE_ID_PATTERN.test(subject)) throw invalid("a bootstrap token's subject must be a device ID");
    const mintedBy = claims.minted_by;
    if (mintedBy !== undefined && (typeof mintedBy !== "string" || mintedBy.length === 0)) {
      throw invalid("a bootstrap token's minted_by claim must be a token id");
    }
    return { ...base, roles, bootstrap: { tokenId: jti, expiresAt: new Date(exp * 1000), mintedBy } };
  }
  if (!audiences.includes(API_AUDIENCE)) throw invalid("the token is not meant for this API");
  const { jti, exp } = claims;
  if (typeof jti !== "string" || jti.length === 0) throw invalid("an API token needs a jti");
  const apiTokenExpiresAt = typeof exp === "number" ? new Date(exp * 1000) : undefined;
  // Only our own API tokens carry a budget: an external issuer cannot choose its callers' limits.
  const rateLimitPerMinute = claims.rate_limit_per_minute;
  if (rateLimitPerMinute !== undefined && !isRateLimit(rateLimitPerMinute)) {
    throw invalid("the token's rate_limit_per_minute claim is not a usable rate limit");
  }
  return { ...base, roles, apiTokenId: jti, apiTokenExpiresAt, rateLimitPerMinute };
}

function invalid(message: string): CaError {
  return new CaError("unauthorized", message);
}

import type { Role } from "./roles.js";

/** A one-time bootstrap token's facts; its device ID is the principal's subject. */
export interface BootstrapGrant {
  tokenId: string;
  expiresAt: Date;
}

/** Who is calling, as established by a verified token (or an anonymous caller of a public endpoint). */
export interface Principal {
  /** The token's `sub`, or `anonymous@<address>` for a caller without a token. */
  subject: string;
  /** The token's `iss`; undefined for an anonymous caller. */
  issuer: string | undefined;
  roles: readonly Role[];
  /** When set, the caller may only issue for device IDs that start with it. */
  devicePrefix: string | undefined;
  /** Set only for one-time bootstrap tokens. */
  bootstrap: BootstrapGrant | undefined;
}

export function anonymousPrincipal(address: string | undefined): Principal {
  return {
    subject: `anonymous@${address ?? "unknown"}`,
    issuer: undefined,
    roles: [],
    devicePrefix: undefined,
    bootstrap: undefined,
  };
}

/**
 * The caller's identity across issuers, for rate limits and idempotency keys: two issuers may hand
 * out the same `sub`, so the issuer is part of it.
 */
export function identityOf(principal: Principal): string {
  return principal.issuer === undefined ? principal.subject : `${principal.issuer}#${principal.subject}`;
}

import type { Profile } from "./profiles.js";
import type { VerifiedRenewalProof } from "./renewal-proof.js";
import type { Role } from "./roles.js";
import { OWN_ISSUER } from "./token-claims.js";
import type { x509 } from "./x509.js";

/** A one-time bootstrap token's facts; its device ID is the principal's subject. */
export interface BootstrapGrant {
  tokenId: string;
  expiresAt: Date;
  /** The jti of the API token of ours that minted it: revoking that token voids this one too. */
  mintedBy: string | undefined;
}

/**
 * A caller that proved it holds the key of a device certificate this CA issued: by a renewal proof
 * signed with that key, or by presenting the certificate as its TLS client certificate.
 */
export interface CertificateHolder {
  certificate: x509.X509Certificate;
  /** The renewal proof it signed, for the checks that need the request (its jti, the CSR it names). */
  proof: VerifiedRenewalProof | undefined;
  /**
   * What the certificate is, for EST: one of our profiles, or `manufacturer` for a bootstrap
   * certificate under a configured manufacturer CA. Undefined: a device certificate of ours.
   */
  kind?: Profile | "manufacturer" | undefined;
}

/**
 * Who is calling, as established by a verified token, by proof of possession of a certificate's
 * key, or an anonymous caller of a public endpoint.
 */
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
  /** The jti of an API token from our own issuer: what revoking that token names. */
  apiTokenId?: string | undefined;
  /** When that API token expires: nothing it mints may outlive it. */
  apiTokenExpiresAt?: Date | undefined;
  /** That API token's own request budget per minute, set when it was minted; else the default's. */
  rateLimitPerMinute?: number | undefined;
  /** Set only for a device that proved possession of its certificate's key; its subject is the CN. */
  holder?: CertificateHolder | undefined;
  /** Set only for an EST credential bound to one device: the caller may issue for that device only. */
  deviceId?: string | undefined;
  /** Set only for a caller with an EST Basic credential; its subject is the credential's username. */
  estCredential?: { id: string } | undefined;
}

/** A device that proved it holds the key of `certificate`, which this CA issued for `deviceId`. */
export function holderPrincipal(deviceId: string, holder: CertificateHolder): Principal {
  return {
    subject: deviceId,
    issuer: undefined,
    roles: [],
    devicePrefix: undefined,
    bootstrap: undefined,
    holder,
  };
}

/**
 * A caller with an EST Basic credential: it may enroll (`est-enroll`) and nothing else, for the
 * devices under its prefix, or its one device.
 */
export function estCredentialPrincipal(credential: {
  id: string;
  username: string;
  devicePrefix: string | null;
  deviceId: string | null;
}): Principal {
  return {
    subject: credential.username,
    issuer: undefined,
    roles: ["est-enroll"],
    devicePrefix: credential.devicePrefix ?? undefined,
    deviceId: credential.deviceId ?? undefined,
    bootstrap: undefined,
    estCredential: { id: credential.id },
  };
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
 * Who the caller is, as audit entries, certificate records, rate limits and idempotency keys name
 * it: unambiguous across kinds of caller, so that no token can pass for another.
 *
 * - `token:<sub>`: an API token from our own issuer (`token:local-admin` is the first admin token);
 * - `device:<device ID>`: a device, by its one-time bootstrap token, a renewal proof or a TLS client
 *   certificate;
 * - `<issuer>#<sub>`: a token from an external OpenID Connect issuer (its issuer is a URL);
 * - `est:<username>`: an EST Basic credential;
 * - `anonymous@<address>`: a caller without a valid token.
 */
export function identityOf(principal: Principal): string {
  if (principal.holder !== undefined) return deviceIdentity(principal.subject);
  if (principal.estCredential !== undefined) return estCredentialIdentity(principal.subject);
  if (principal.issuer === undefined) return principal.subject;
  if (principal.issuer !== OWN_ISSUER) return `${principal.issuer}#${principal.subject}`;
  return principal.bootstrap === undefined
    ? apiTokenIdentity(principal.subject)
    : deviceIdentity(principal.subject);
}

/**
 * Whose `Idempotency-Key`s a request's key is among: the caller's, and for a one-time bootstrap token
 * that token's alone, so that a second token for the same device can never replay what the first
 * one's request got.
 */
export function idempotencyNamespaceOf(principal: Principal): string {
  const identity = identityOf(principal);
  return principal.bootstrap === undefined ? identity : `${identity}#token:${principal.bootstrap.tokenId}`;
}

/** A device, as an actor: what its bootstrap token or its renewal proof stands for. */
export function deviceIdentity(deviceId: string): string {
  return `device:${deviceId}`;
}

/** The holder of an API token from our own issuer with this subject. */
export function apiTokenIdentity(subject: string): string {
  return `token:${subject}`;
}

/** The holder of an EST Basic credential with this username. */
export function estCredentialIdentity(username: string): string {
  return `est:${username}`;
}

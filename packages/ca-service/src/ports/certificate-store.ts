import type { Profile } from "../core/profiles.js";
import type { EstCredentialStore } from "./est-credential-store.js";

export type CertificateStatus = "valid" | "revoked";

/** One certificate the CA signed, as recorded before it is handed out. */
export interface CertificateRecord {
  serialNumber: string;
  deviceId: string | null;
  profile: Profile;
  subject: string;
  keyAlgorithm: string;
  notBefore: Date;
  notAfter: Date;
  status: CertificateStatus;
  revokedAt: Date | null;
  revocationReason: string | null;
  der: Uint8Array;
  sha256Fingerprint: string;
  issuedAt: Date;
  requester: string;
  /** The serial number of the certificate that renewed this one; a renewed certificate renews no more. */
  supersededBy: string | null;
}

export interface AuditEvent {
  at: Date;
  /** Who asked: a token subject, or `anonymous@<address>` for a caller without a valid token. */
  actor: string;
  action: string;
  /** What it was about, such as a serial number or device ID. */
  target: string | null;
  outcome: "success" | "failure";
  details?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEvent {
  id: number;
}

/** A one-time token being redeemed: its id can be recorded once only. */
export interface ConsumedToken {
  tokenId: string;
  subject: string;
  expiresAt: Date;
  usedAt: Date;
}

/** The first response to a request made with an `Idempotency-Key`, replayed for retries. */
export interface IdempotencyRecord {
  /** The caller's identity: keys are the caller's own namespace. */
  caller: string;
  key: string;
  /** SHA-256 of operation, caller and canonical body: a retry must match it. */
  fingerprint: string;
  status: number;
  /** The response body, minus anything secret (see each operation). */
  body: unknown;
  createdAt: Date;
}

export interface RecordIssuanceRequest {
  certificate: CertificateRecord;
  audit: AuditEvent;
  /** Redeems a one-time token in the same transaction: fails if the token was already used. */
  consumeToken?: ConsumedToken;
  /** Fails if the caller already used this key, so concurrent retries cannot both issue. */
  idempotency?: IdempotencyRecord;
  /**
   * A renewal: marks the certificate with this serial number as superseded by the new one, in the
   * same transaction. Fails if it already was, so of two racing renewals (on any replicas) one commits.
   */
  supersedes?: string;
}

/** An audited event that issues nothing (a minted token), with its idempotency record. */
export interface RecordEventRequest {
  audit: AuditEvent;
  idempotency?: IdempotencyRecord;
}

/** An API token this service minted, as recorded: everything but the token itself. */
export interface ApiTokenRecord {
  /** The token's jti. */
  tokenId: string;
  subject: string;
  roles: string[];
  devicePrefix: string | null;
  /** Its own request budget per minute, set when it was minted; null: the service's default. */
  rateLimitPerMinute: number | null;
  mintedAt: Date;
  /** Who minted it: the CLI, or the first start. */
  mintedBy: string;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

export interface RecordTokenMintRequest {
  token: ApiTokenRecord;
  audit: AuditEvent;
}

/**
 * A minted token is recorded unless another live (unrevoked, unexpired) token holds its subject: a
 * subject names one identity in the audit log, rate limits and idempotency keys.
 */
export type TokenMintOutcome = { recorded: true } | { recorded: false; holder: ApiTokenRecord };

export interface RevokeTokenRequest {
  tokenId: string;
  at: Date;
  by: string;
  audit: AuditEvent;
}

export interface PurgeRequest {
  idempotencyCreatedBefore: Date;
  tokensExpiredBefore: Date;
}

export interface ListOptions {
  limit: number;
}

export interface RevokeRequest {
  serialNumber: string;
  /** RFC 5280 reason name. */
  reason: string;
  at: Date;
  audit: AuditEvent;
}

export interface RevokeResult {
  record: CertificateRecord;
  /** False when the certificate was already revoked: nothing was written. */
  changed: boolean;
}

/**
 * Which CA's CRL: the issuing CA's, which lists revoked device certificates, or the root's (an
 * authority revocation list), which lists the revoked certificates the root signed: intermediates and
 * the token signer. Relying parties that check the whole chain (`openssl verify -crl_check_all`) need both.
 */
export type CrlIssuer = "issuing-ca" | "root";

/** What a CRL lists about a revoked certificate. */
export interface RevokedCertificate {
  serialNumber: string;
  revokedAt: Date;
  /** RFC 5280 reason name. */
  reason: string | null;
}

/** A signed CRL as stored, shared by every replica using the store. */
export interface StoredCrl {
  crlNumber: number;
  /** The revocation count it was built from (see `CrlAllocation`). */
  revision: number;
  thisUpdate: Date;
  nextUpdate: Date;
  der: Uint8Array;
}

export interface CrlAllocation {
  /** Larger than every number allocated before for the same CRL, across restarts and replicas. */
  crlNumber: number;
  /** How many revocations of this CRL's certificates the store had committed at allocation. */
  revision: number;
}

/**
 * Durable record of issued certificates and the audit log. `recordIssuance` commits certificate,
 * audit entry, redeemed token and idempotency record in one transaction before returning: nothing
 * leaves the CA unrecorded, and a unique key on token id and idempotency key lets only one of
 * several racing requests (on any replica sharing the store) commit.
 */
export interface CertificateStore extends EstCredentialStore {
  recordIssuance(request: RecordIssuanceRequest): Promise<void>;
  /** Records a CA-side certificate (root, intermediate, token signer) unless its serial is known. */
  recordCaCertificate(certificate: CertificateRecord): Promise<void>;
  recordEvent(request: RecordEventRequest): Promise<void>;
  findIdempotencyRecord(caller: string, key: string): Promise<IdempotencyRecord | undefined>;
  isTokenUsed(tokenId: string): Promise<boolean>;
  /** Forgets idempotency records past retention and used tokens that can no longer verify. */
  purgeExpired(request: PurgeRequest): Promise<void>;
  findBySerialNumber(serialNumber: string): Promise<CertificateRecord | undefined>;
  /** The recorded certificates of one profile (the roots a database has known), newest first. */
  listByProfile(profile: Profile, options: ListOptions): Promise<CertificateRecord[]>;
  /** A device's certificates, newest first; device IDs compare without regard to case, as in DPS. */
  listByDevice(deviceId: string, options: ListOptions): Promise<CertificateRecord[]>;
  /**
   * Marks a valid certificate revoked and records the audit entry in one transaction. Undefined when
   * the serial is unknown; `changed: false` (and no audit entry) when it was already revoked.
   */
  revoke(request: RevokeRequest): Promise<RevokeResult | undefined>;
  /**
   * Revoked certificates that `issuer` signed and that have not expired by `unexpiredAt`: what its
   * CRL signed at that time must list.
   */
  listRevoked(options: { issuer: CrlIssuer; unexpiredAt: Date }): Promise<RevokedCertificate[]>;
  /** Allocates the next number of `issuer`'s CRL in a transaction. */
  allocateCrlNumber(issuer: CrlIssuer): Promise<CrlAllocation>;
  /** Stores a signed CRL of `issuer` unless one with a higher number is already stored. */
  publishCrl(issuer: CrlIssuer, crl: StoredCrl): Promise<void>;
  /** `issuer`'s stored CRL with the highest number, and the count of its revocations. */
  latestCrl(issuer: CrlIssuer): Promise<{ crl: StoredCrl | undefined; revision: number }>;
  /**
   * Records a renewal proof's jti until `keepUntil`; false when it is already recorded (a replay).
   * Proofs kept past their lifetime are forgotten on the way.
   */
  consumeRenewalProof(request: { jti: string; keepUntil: Date; now: Date }): Promise<boolean>;
  /**
   * Records a minted API token with its audit entry in one transaction, unless a live token (at
   * `token.mintedAt`) holds its subject; of racing mints for one subject, on any replicas, one records.
   */
  recordTokenMint(request: RecordTokenMintRequest): Promise<TokenMintOutcome>;
  /** Recorded API tokens, newest first. */
  listApiTokens(options: ListOptions): Promise<ApiTokenRecord[]>;
  /**
   * Marks a token revoked with its audit entry in one transaction. Undefined for an unknown id;
   * `changed: false` (and no audit entry) when it already was.
   */
  revokeApiToken(
    request: RevokeTokenRequest,
  ): Promise<{ record: ApiTokenRecord; changed: boolean } | undefined>;
  /** The ids of revoked tokens that have not expired by `unexpiredAt`: what must still be refused. */
  listRevokedTokenIds(options: { unexpiredAt: Date }): Promise<string[]>;
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(options: ListOptions & { afterId?: number }): Promise<AuditRecord[]>;
  /** Throws when the store cannot be used (for readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

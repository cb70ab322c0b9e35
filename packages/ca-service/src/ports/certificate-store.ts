import type { Profile } from "../core/profiles.js";

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
  /** Larger than every number allocated before, across restarts and replicas. */
  crlNumber: number;
  /** How many revocations the store had committed when the number was allocated. */
  revision: number;
}

/**
 * Durable record of issued certificates and the audit log. `recordIssuance` commits certificate,
 * audit entry, redeemed token and idempotency record in one transaction before returning: nothing
 * leaves the CA unrecorded, and a unique key on token id and idempotency key lets only one of
 * several racing requests (on any replica sharing the store) commit.
 */
export interface CertificateStore {
  recordIssuance(request: RecordIssuanceRequest): Promise<void>;
  /** Records a CA-side certificate (root, intermediate, token signer) unless its serial is known. */
  recordCaCertificate(certificate: CertificateRecord): Promise<void>;
  recordEvent(request: RecordEventRequest): Promise<void>;
  findIdempotencyRecord(caller: string, key: string): Promise<IdempotencyRecord | undefined>;
  isTokenUsed(tokenId: string): Promise<boolean>;
  /** Forgets idempotency records past retention and used tokens that can no longer verify. */
  purgeExpired(request: PurgeRequest): Promise<void>;
  findBySerialNumber(serialNumber: string): Promise<CertificateRecord | undefined>;
  /** A device's certificates, newest first; device IDs compare without regard to case, as in DPS. */
  listByDevice(deviceId: string, options: ListOptions): Promise<CertificateRecord[]>;
  /**
   * Marks a valid certificate revoked and records the audit entry in one transaction. Undefined when
   * the serial is unknown; `changed: false` (and no audit entry) when it was already revoked.
   */
  revoke(request: RevokeRequest): Promise<RevokeResult | undefined>;
  /** Revoked certificates that have not expired by `at`: what a CRL signed at `at` must list. */
  listRevoked(options: { unexpiredAt: Date }): Promise<RevokedCertificate[]>;
  /** Allocates the next CRL number in a transaction. */
  allocateCrlNumber(): Promise<CrlAllocation>;
  /** Stores a signed CRL unless one with a higher number is already stored. */
  publishCrl(crl: StoredCrl): Promise<void>;
  /** The stored CRL with the highest number, and the current revocation count. */
  latestCrl(): Promise<{ crl: StoredCrl | undefined; revision: number }>;
  /**
   * Records a renewal proof's jti until `keepUntil`; false when it is already recorded (a replay).
   * Proofs kept past their lifetime are forgotten on the way.
   */
  consumeRenewalProof(request: { jti: string; keepUntil: Date; now: Date }): Promise<boolean>;
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(options: ListOptions & { afterId?: number }): Promise<AuditRecord[]>;
  /** Throws when the store cannot be used (for readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

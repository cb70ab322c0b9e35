import type { ColumnType, Generated } from "kysely";

/** Times are ISO-8601 UTC text: identical on SQLite and PostgreSQL, and they sort correctly. */
export interface CertificatesTable {
  serial_number: string;
  device_id: string | null;
  /** The device ID in lower case: what lookups by device compare (DPS IDs are case-insensitive). */
  device_key: string | null;
  profile: string;
  subject: string;
  key_algorithm: string;
  not_before: string;
  not_after: string;
  status: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  der: Uint8Array;
  sha256_fingerprint: string;
  issued_at: string;
  requester: string;
  superseded_by: string | null;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: string;
  details: string | null;
}

/** One row (id 1): the CRL number counter, the revocation count, and the latest signed CRL. */
export interface CrlStateTable {
  id: number;
  last_number: number;
  /** Bumped by every revocation, so a CRL built before it is known to be stale. */
  revision: number;
  crl_number: number | null;
  crl_revision: number | null;
  this_update: string | null;
  next_update: string | null;
  der: Uint8Array | null;
}

/** Renewal proofs already used, kept until they could no longer verify anyway. */
export interface RenewalProofsTable {
  jti: string;
  keep_until: string;
}

export interface UsedTokensTable {
  token_id: string;
  subject: string;
  expires_at: string;
  used_at: string;
}

export interface IdempotencyRecordsTable {
  caller: string;
  idempotency_key: string;
  fingerprint: string;
  status: number;
  /** JSON. */
  body: string;
  created_at: string;
}

/** API tokens minted here: never the token, only what identifies and limits it. */
export interface ApiTokensTable {
  token_id: string;
  subject: string;
  /**
   * The subject while the token is live, null once it is revoked or found expired: unique, so one
   * subject has one live token (NULLs never collide on SQLite or PostgreSQL).
   */
  live_subject: string | null;
  /** JSON array. */
  roles: string;
  device_prefix: string | null;
  /** Since migration 0009: the migration that first fills the table (0007) leaves it out. */
  rate_limit_per_minute: ColumnType<number | null, number | null | undefined, number | null>;
  minted_at: string;
  minted_by: string;
  expires_at: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

/** HTTP Basic credentials for EST: the password's scrypt hash, never the password. */
export interface EstCredentialsTable {
  id: string;
  username: string;
  /** The username in lower case: unique, so names compare without regard to case. */
  username_key: string;
  /** `scrypt$…`: see crypto/password-hash.ts. */
  password_hash: string;
  device_prefix: string | null;
  device_id: string | null;
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_by: string | null;
}

export interface EstBlockedDevicesTable {
  /** The device ID in lower case (core/device-id.ts `deviceIdKey`): one block per device. */
  device_key: string;
  device_id: string;
  reason: string | null;
  blocked_at: string;
  blocked_by: string;
}

/** One row, locked (never changed) by the readiness probe on PostgreSQL. */
export interface ReadinessProbeTable {
  id: number;
  probed: number;
}

export interface Database {
  readiness_probe: ReadinessProbeTable;
  api_tokens: ApiTokensTable;
  est_credentials: EstCredentialsTable;
  est_blocked_devices: EstBlockedDevicesTable;
  certificates: CertificatesTable;
  audit_log: AuditLogTable;
  crl_state: CrlStateTable;
  renewal_proofs: RenewalProofsTable;
  used_tokens: UsedTokensTable;
  idempotency_records: IdempotencyRecordsTable;
}

import type { AuditEvent, ListOptions } from "./certificate-store.js";

/**
 * An HTTP Basic credential for EST enrollment, as recorded: everything but the password, which is
 * never stored. It may enroll devices whose ID starts with `devicePrefix`, or the one device
 * `deviceId` (exactly one of the two is set).
 */
export interface EstCredentialRecord {
  id: string;
  /** Unique without regard to case, for good: a revoked credential's name is never reused. */
  username: string;
  devicePrefix: string | null;
  deviceId: string | null;
  createdAt: Date;
  createdBy: string;
  /** Null: until revoked. */
  expiresAt: Date | null;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** A credential with what verifies its password: a self-describing scrypt hash (`crypto/password-hash`). */
export interface StoredEstCredential extends EstCredentialRecord {
  passwordHash: string;
}

export interface RecordEstCredentialRequest {
  credential: StoredEstCredential;
  audit: AuditEvent;
}

/** Refused when another credential (live, expired or revoked) has the username in any case. */
export type EstCredentialOutcome = { recorded: true } | { recorded: false; holder: EstCredentialRecord };

export interface RevokeEstCredentialRequest {
  id: string;
  at: Date;
  by: string;
  audit: AuditEvent;
}

/** A device no EST credential may enrol or re-enrol, until an admin lifts the block. */
export interface EstDeviceBlockRecord {
  /** As it was blocked; blocks compare device IDs without regard to case, as in DPS. */
  deviceId: string;
  reason: string | null;
  blockedAt: Date;
  blockedBy: string;
}

export interface EstDeviceBlockListOptions extends ListOptions {
  /** The last block of the previous page (newest first: by `blockedAt`, then by device ID). */
  after?: Pick<EstDeviceBlockRecord, "blockedAt" | "deviceId"> | undefined;
}

export interface BlockEstDeviceRequest {
  block: EstDeviceBlockRecord;
  audit: AuditEvent;
}

export interface UnblockEstDeviceRequest {
  deviceId: string;
  audit: AuditEvent;
}

/**
 * EST access: the HTTP Basic credentials admins create, list and revoke, and that Basic verifies
 * against; and the devices blocked from EST whatever credential they hold.
 */
export interface EstCredentialStore {
  /**
   * Records a credential with its audit entry in one transaction, unless its username is taken; of
   * racing creations of one username, on any replicas, one records.
   */
  recordEstCredential(request: RecordEstCredentialRequest): Promise<EstCredentialOutcome>;
  /** The credential with this username, compared without regard to case, with its password hash. */
  findEstCredential(username: string): Promise<StoredEstCredential | undefined>;
  /** Recorded credentials, newest first, without their hashes. */
  listEstCredentials(options: ListOptions): Promise<EstCredentialRecord[]>;
  /**
   * Marks a credential revoked with its audit entry in one transaction. Undefined for an unknown id;
   * `changed: false` (and no audit entry) when it already was.
   */
  revokeEstCredential(
    request: RevokeEstCredentialRequest,
  ): Promise<{ record: EstCredentialRecord; changed: boolean } | undefined>;
  /** The ids of revoked credentials that have not expired by `unexpiredAt`: what must still be refused. */
  listRevokedEstCredentialIds(options: { unexpiredAt: Date }): Promise<string[]>;
  /**
   * Records a block with its audit entry in one transaction, unless the device (in any case) is
   * blocked already: then the existing block, `changed: false` and no audit entry.
   */
  blockEstDevice(request: BlockEstDeviceRequest): Promise<{ record: EstDeviceBlockRecord; changed: boolean }>;
  /**
   * Lifts a device's block with its audit entry in one transaction; undefined (and nothing audited)
   * when it had none. The entry names the block it lifted: its target is the device ID as blocked,
   * its details add the block's reason, time and author, which are gone from the store after.
   */
  unblockEstDevice(request: UnblockEstDeviceRequest): Promise<EstDeviceBlockRecord | undefined>;
  /** The device's block, its ID compared without regard to case. */
  findEstDeviceBlock(deviceId: string): Promise<EstDeviceBlockRecord | undefined>;
  /** Blocked devices, newest first; `after` a block of a previous page, those that follow it. */
  listEstDeviceBlocks(options: EstDeviceBlockListOptions): Promise<EstDeviceBlockRecord[]>;
}

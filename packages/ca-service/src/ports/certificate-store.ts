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
}

export interface AuditEvent {
  at: Date;
  /** Who asked: a token subject, or the client's address until authentication exists. */
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

export interface RecordIssuanceRequest {
  certificate: CertificateRecord;
  audit: AuditEvent;
}

export interface ListOptions {
  limit: number;
}

/**
 * Durable record of issued certificates and the audit log. `recordIssuance` commits certificate
 * and audit entry in one transaction before returning: nothing leaves the CA unrecorded.
 */
export interface CertificateStore {
  recordIssuance(request: RecordIssuanceRequest): Promise<void>;
  findBySerialNumber(serialNumber: string): Promise<CertificateRecord | undefined>;
  listByDevice(deviceId: string, options: ListOptions): Promise<CertificateRecord[]>;
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(options: ListOptions & { afterId?: number }): Promise<AuditRecord[]>;
  /** Throws when the store cannot be used (for readiness). */
  check(): Promise<void>;
  close(): Promise<void>;
}

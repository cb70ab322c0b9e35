import { randomBytes, randomUUID } from "node:crypto";
import type { Profile } from "../../../src/core/profiles.js";
import type {
  AuditEvent,
  CertificateRecord,
  CertificateStore,
  ConsumedToken,
  CrlIssuer,
  IdempotencyRecord,
  RecordIssuanceRequest,
  RevokeRequest,
} from "../../../src/ports/certificate-store.js";

/** A device certificate record with a random serial, fingerprint and DER: unique unless told otherwise. */
export function certificate(deviceId: string, overrides: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    serialNumber: randomBytes(16).toString("hex"),
    deviceId,
    profile: "device",
    subject: `CN=${deviceId}`,
    keyAlgorithm: "ECDSA_P256",
    notBefore: new Date("2026-01-01T00:00:00.000Z"),
    notAfter: new Date("2027-01-01T00:00:00.000Z"),
    status: "valid",
    revokedAt: null,
    revocationReason: null,
    der: new Uint8Array(randomBytes(300)),
    sha256Fingerprint: randomBytes(32).toString("hex"),
    issuedAt: new Date("2026-01-01T00:05:00.000Z"),
    requester: "test",
    supersededBy: null,
    ...overrides,
  };
}

export const CRL_ISSUERS: readonly CrlIssuer[] = ["issuing-ca", "root"];

/** What each CA signs, and so what its CRL lists: the issuing CA devices, the root the CAs below it. */
export function signedBy(issuer: CrlIssuer): Profile[] {
  return issuer === "issuing-ca" ? ["device"] : ["intermediate", "token-signer"];
}

/** A certificate of `profile`, recorded as the service records it: a device's issued, a CA's as its own. */
export async function recorded(store: CertificateStore, profile: Profile): Promise<CertificateRecord> {
  if (profile === "device") {
    const record = certificate(`device-${randomUUID()}`);
    await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
    return record;
  }
  const record = certificate("unused", {
    deviceId: null,
    profile,
    subject: `CN=Edge PKI ${profile}`,
    requester: "edge-pki-ca",
  });
  await store.recordCaCertificate(record);
  return record;
}

/** Both CRLs' revision counts (revocations of the certificates each lists), read together. */
export async function crlRevisions(store: CertificateStore): Promise<Record<CrlIssuer, number>> {
  return {
    "issuing-ca": (await store.latestCrl("issuing-ca")).revision,
    root: (await store.latestCrl("root")).revision,
  };
}

export const REVOKED_AT = new Date("2026-02-01T00:00:00.000Z");

/** A revocation of `record`; `marker` tells apart the audit entries of attempts with one reason. */
export function revocation(record: CertificateRecord, reason: string, marker = reason): RevokeRequest {
  const audit: AuditEvent = {
    at: REVOKED_AT,
    actor: "test",
    action: "certificate.revoke",
    target: record.serialNumber,
    outcome: "success",
    details: { reason, marker },
  };
  return { serialNumber: record.serialNumber, reason, at: REVOKED_AT, audit };
}

export function issuanceAudit(record: CertificateRecord, details: Record<string, unknown> = {}): AuditEvent {
  return {
    at: record.issuedAt,
    actor: "test",
    action: "certificate.issue",
    target: record.deviceId,
    outcome: "success",
    details: { serialNumber: record.serialNumber, ...details },
  };
}

export function consumedToken(
  tokenId: string,
  expiresAt = new Date("2026-01-01T00:15:00.000Z"),
): ConsumedToken {
  return { tokenId, subject: "device", expiresAt, usedAt: new Date("2026-01-01T00:05:00.000Z") };
}

export function idempotencyRecord(
  caller: string,
  key: string,
  overrides: Partial<IdempotencyRecord> = {},
): IdempotencyRecord {
  return {
    caller,
    key,
    fingerprint: randomBytes(32).toString("hex"),
    status: 201,
    body: { key, nested: { list: [1, "two", null], flag: true } },
    createdAt: new Date("2026-01-01T00:05:00.000Z"),
    ...overrides,
  };
}

/**
 * One of several competing issuances, as replicas would send them: everything it would write is its
 * own (serial, audit entry, idempotency key, token) except what the race is about, passed in
 * `contested`. That way anything a losing attempt leaves behind is found by `traces`.
 */
export interface IssuanceAttempt {
  index: number;
  request: RecordIssuanceRequest;
  /** A contested token is used whoever won: it tells nothing about this attempt. */
  sharedToken: boolean;
}

export function issuanceAttempts(
  count: number,
  contested: Partial<Pick<RecordIssuanceRequest, "consumeToken" | "idempotency" | "supersedes">> & {
    serialNumber?: string;
  } = {},
): IssuanceAttempt[] {
  const race = randomUUID();
  return Array.from({ length: count }, (_, index) => {
    const record = certificate(
      `race-${race}`,
      contested.serialNumber ? { serialNumber: contested.serialNumber } : {},
    );
    const request: RecordIssuanceRequest = {
      certificate: record,
      audit: issuanceAudit(record, { attempt: index }),
      consumeToken: contested.consumeToken ?? consumedToken(`${race}-token-${index}`),
      // A fingerprint of its own, even under a contested key: it tells whose record was kept.
      idempotency: {
        ...(contested.idempotency ?? idempotencyRecord(`caller-${race}`, `key-${index}`)),
        fingerprint: `attempt-${index}-${randomBytes(8).toString("hex")}`,
      },
    };
    if (contested.supersedes !== undefined) request.supersedes = contested.supersedes;
    return { index, request, sharedToken: contested.consumeToken !== undefined };
  });
}

/** One attempt, on its own; `contested` as for `issuanceAttempts`. */
export function issuance(contested: Parameters<typeof issuanceAttempts>[1] = {}): IssuanceAttempt {
  return issuanceAttempts(1, contested)[0] as IssuanceAttempt;
}

/** What an issuance left in the store, by kind: nothing at all for one that failed. */
export async function traces(
  store: CertificateStore,
  request: RecordIssuanceRequest,
  { sharedToken = false } = {},
): Promise<string[]> {
  const found: string[] = [];
  const record = await store.findBySerialNumber(request.certificate.serialNumber);
  // Compared by fingerprint: under a contested serial, the record may be another attempt's.
  if (record?.sha256Fingerprint === request.certificate.sha256Fingerprint) found.push("certificate");
  const audit = await store.listAudit({ limit: 100_000 });
  if (audit.some((entry) => sameEvent(entry, request.audit))) found.push("audit entry");
  const { idempotency, consumeToken, supersedes } = request;
  if (idempotency !== undefined) {
    const stored = await store.findIdempotencyRecord(idempotency.caller, idempotency.key);
    if (stored?.fingerprint === idempotency.fingerprint) found.push("idempotency record");
  }
  if (consumeToken !== undefined && !sharedToken && (await store.isTokenUsed(consumeToken.tokenId))) {
    found.push("used token");
  }
  if (supersedes !== undefined) {
    const replaced = await store.findBySerialNumber(supersedes);
    if (replaced?.supersededBy === request.certificate.serialNumber) found.push("supersession");
  }
  return found;
}

/** Every kind of trace an issuance request writes when it commits. */
export function everyTrace(request: RecordIssuanceRequest, { sharedToken = false } = {}): string[] {
  return [
    "certificate",
    "audit entry",
    ...(request.idempotency ? ["idempotency record"] : []),
    ...(request.consumeToken && !sharedToken ? ["used token"] : []),
    ...(request.supersedes !== undefined ? ["supersession"] : []),
  ];
}

/** Which of `events` the audit log holds. */
export async function audited(store: CertificateStore, events: AuditEvent[]): Promise<AuditEvent[]> {
  const audit = await store.listAudit({ limit: 100_000 });
  return events.filter((event) => audit.some((entry) => sameEvent(entry, event)));
}

export function sameEvent(entry: AuditEvent, event: AuditEvent): boolean {
  return (
    entry.action === event.action &&
    entry.target === event.target &&
    entry.at.getTime() === event.at.getTime() &&
    JSON.stringify(entry.details) === JSON.stringify(event.details)
  );
}

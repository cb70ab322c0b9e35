import type { CertificateFacts } from "../../core/certificate-facts.js";
import type { KeyAlgorithm } from "../../core/key-algorithms.js";
import type { Profile } from "../../core/profiles.js";
import type { CertificateStore, ConsumedToken, IdempotencyRecord } from "../../ports/certificate-store.js";
import { certificateRecord } from "../certificate-record.js";

/** What goes into the issuance's one transaction besides the certificate and its audit entry. */
export interface IssuanceEffects {
  /** A one-time token this issuance redeems. */
  consumeToken?: ConsumedToken | undefined;
  /** The response to replay for retries with the same key. */
  idempotency?: IdempotencyRecord | undefined;
  /** The certificate a renewal replaces: marked superseded, once only. */
  supersedes?: string | undefined;
}

export interface IssuanceEntry extends IssuanceEffects {
  certificate: CertificateFacts;
  /** `device` unless EST issued another kind for the device. */
  profile?: Profile | undefined;
  deviceId: string;
  keyAlgorithm: KeyAlgorithm;
  issuedAt: Date;
  /** Who asked, for the record and the audit log. */
  requester: string;
  action: string;
  /** Added to the audit entry's details, such as the serial a renewal replaces. */
  auditDetails?: Record<string, unknown> | undefined;
}

/**
 * Commits the certificate, its audit entry and every effect of the request in one transaction:
 * all of it is recorded, or none.
 */
export async function recordIssuance(
  store: Pick<CertificateStore, "recordIssuance">,
  entry: IssuanceEntry,
): Promise<void> {
  const record = certificateRecord(entry.certificate, {
    profile: entry.profile ?? "device",
    deviceId: entry.deviceId,
    keyAlgorithm: entry.keyAlgorithm,
    issuedAt: entry.issuedAt,
    requester: entry.requester,
  });
  await store.recordIssuance({
    certificate: record,
    audit: {
      at: entry.issuedAt,
      actor: entry.requester,
      action: entry.action,
      target: entry.deviceId,
      outcome: "success",
      details: {
        serialNumber: record.serialNumber,
        notAfter: record.notAfter.toISOString(),
        keyAlgorithm: entry.keyAlgorithm,
        ...entry.auditDetails,
        ...(entry.consumeToken && { tokenId: entry.consumeToken.tokenId }),
      },
    },
    consumeToken: entry.consumeToken,
    idempotency: entry.idempotency,
    ...(entry.supersedes !== undefined && { supersedes: entry.supersedes }),
  });
}

import type { EstCredential } from "@edge-pki/api-contract";
import { credentialStatus } from "../../core/credential-status.js";
import type { EstCredentialRecord } from "../../ports/est-credential-store.js";

/** A recorded EST credential as the API (and `edge-pki-ca est-credential list --json`) shows it. */
export function renderEstCredential(record: EstCredentialRecord, now: Date): EstCredential {
  return {
    id: record.id,
    username: record.username,
    devicePrefix: record.devicePrefix,
    deviceId: record.deviceId,
    createdAt: record.createdAt.toISOString(),
    createdBy: record.createdBy,
    expiresAt: record.expiresAt?.toISOString() ?? null,
    status: credentialStatus(record, now),
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revokedBy: record.revokedBy,
  };
}

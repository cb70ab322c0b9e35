import type { ApiToken } from "@edge-pki/api-contract";
import { credentialStatus } from "../../core/credential-status.js";
import type { ApiTokenRecord } from "../../ports/certificate-store.js";

/** A recorded API token as the API (and `edge-pki-ca token list --json`) shows it. */
export function renderApiToken(record: ApiTokenRecord, now: Date): ApiToken {
  return {
    tokenId: record.tokenId,
    subject: record.subject,
    roles: record.roles,
    devicePrefix: record.devicePrefix,
    rateLimitPerMinute: record.rateLimitPerMinute,
    mintedAt: record.mintedAt.toISOString(),
    mintedBy: record.mintedBy,
    expiresAt: record.expiresAt.toISOString(),
    status: credentialStatus(record, now),
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revokedBy: record.revokedBy,
  };
}

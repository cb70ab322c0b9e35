import type { ApiTokenRecord } from "../ports/certificate-store.js";

export type ApiTokenStatus = "live" | "expired" | "revoked";

/** Revoked is final; otherwise a token is live until it expires. */
export function apiTokenStatus(
  record: Pick<ApiTokenRecord, "revokedAt" | "expiresAt">,
  now: Date,
): ApiTokenStatus {
  if (record.revokedAt !== null) return "revoked";
  return record.expiresAt.getTime() <= now.getTime() ? "expired" : "live";
}

export type CredentialStatus = "live" | "expired" | "revoked";

/**
 * Where a credential (an API token, an EST credential) stands: revoked is final; otherwise it is
 * live until it expires, and one without an expiry stays live.
 */
export function credentialStatus(
  record: { revokedAt: Date | null; expiresAt: Date | null },
  now: Date,
): CredentialStatus {
  if (record.revokedAt !== null) return "revoked";
  return record.expiresAt !== null && record.expiresAt.getTime() <= now.getTime() ? "expired" : "live";
}

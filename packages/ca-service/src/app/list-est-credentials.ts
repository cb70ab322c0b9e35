import type { EstCredentialRecord, EstCredentialStore } from "../ports/est-credential-store.js";

const DEFAULT_LIMIT = 100;

/** The EST credentials, newest first: what they may enroll, never a password or its hash. */
export function listEstCredentials(
  deps: { store: Pick<EstCredentialStore, "listEstCredentials"> },
  request: { limit?: number | undefined },
): Promise<EstCredentialRecord[]> {
  return deps.store.listEstCredentials({ limit: request.limit ?? DEFAULT_LIMIT });
}

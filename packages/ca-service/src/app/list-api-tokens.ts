import type { ApiTokenRecord, CertificateStore } from "../ports/certificate-store.js";

const DEFAULT_LIMIT = 100;

/** The API tokens minted here, newest first: what they are, never the tokens themselves. */
export function listApiTokens(
  deps: { store: Pick<CertificateStore, "listApiTokens"> },
  request: { limit?: number | undefined },
): Promise<ApiTokenRecord[]> {
  return deps.store.listApiTokens({ limit: request.limit ?? DEFAULT_LIMIT });
}

import { CaError } from "../core/errors.js";
import type { ApiTokenRecord, CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { RevocationList } from "./revocation-list.js";

export interface TokenRevocationDeps {
  store: Pick<CertificateStore, "revokeApiToken">;
  clock: Clock;
  /** This replica's list, when it serves the API; the command line has none. */
  tokenRevocations?: Pick<RevocationList, "markRevoked">;
}

/**
 * Revokes an API token for good. This replica (all its workers) refuses it once this returns; every
 * other one within the revocation list's refresh interval. Revoking a revoked token again changes nothing.
 */
export async function revokeApiToken(
  deps: TokenRevocationDeps,
  request: { tokenId: string; actor: string },
): Promise<ApiTokenRecord> {
  const at = deps.clock.now();
  const result = await deps.store.revokeApiToken({
    tokenId: request.tokenId,
    at,
    by: request.actor,
    audit: { at, actor: request.actor, action: "token.revoke", target: request.tokenId, outcome: "success" },
  });
  if (result === undefined)
    throw new CaError("not_found", `no token with id ${request.tokenId} was minted here`);
  await deps.tokenRevocations?.markRevoked(result.record.tokenId);
  return result.record;
}

import { CaError } from "../core/errors.js";
import type { Clock } from "../ports/clock.js";
import type { EstCredentialRecord, EstCredentialStore } from "../ports/est-credential-store.js";
import type { EstCredentialVerifier } from "./est-credential-verifier.js";

export interface EstCredentialRevocationDeps {
  store: Pick<EstCredentialStore, "revokeEstCredential">;
  clock: Clock;
  /** This replica's verifier, when it serves EST; the command line has none. */
  estCredentials?: Pick<EstCredentialVerifier, "markRevoked">;
}

/**
 * Revokes an EST credential for good. This replica refuses it at once; every other one within the
 * revocation list's refresh interval. Revoking a revoked credential again changes nothing.
 */
export async function revokeEstCredential(
  deps: EstCredentialRevocationDeps,
  request: { id: string; actor: string },
): Promise<EstCredentialRecord> {
  const at = deps.clock.now();
  const result = await deps.store.revokeEstCredential({
    id: request.id,
    at,
    by: request.actor,
    audit: {
      at,
      actor: request.actor,
      action: "est-credential.revoke",
      target: request.id,
      outcome: "success",
    },
  });
  if (result === undefined) throw new CaError("not_found", `no EST credential with id ${request.id}`);
  await deps.estCredentials?.markRevoked(result.record.id);
  return result.record;
}

import { CaError } from "../core/errors.js";
import type { Principal } from "../core/principal.js";
import type { CertificateStore, ConsumedToken } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import { purgeExpired } from "./purge-expired.js";

/**
 * The one-time token a request redeems, if it carries one. Refuses an already used token early,
 * before anything is signed; what guarantees single use is the store transaction that records the
 * certificate together with the token's id.
 */
export async function tokenToRedeem(
  deps: { store: Pick<CertificateStore, "isTokenUsed" | "purgeExpired">; clock: Clock },
  principal: Principal,
): Promise<ConsumedToken | undefined> {
  const grant = principal.bootstrap;
  if (grant === undefined) return undefined;
  if (await deps.store.isTokenUsed(grant.tokenId)) throw new CaError("token_used", "token already used");
  await purgeExpired(deps);
  return {
    tokenId: grant.tokenId,
    subject: principal.subject,
    expiresAt: grant.expiresAt,
    usedAt: deps.clock.now(),
  };
}

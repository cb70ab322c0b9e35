import { CaError } from "../../core/errors.js";
import { assertNotRenewed } from "../../core/renewal-rules.js";
import type { CertificateStore } from "../../ports/certificate-store.js";
import type { IssuanceEffects } from "./record-issuance.js";

/**
 * Why an issuance's transaction failed as a whole, for the caller. A compare-and-set that lost a race
 * (maybe on another replica) explains itself: the token is now used, or the certificate renewed.
 * Anything else is the store failing, and nothing was issued.
 */
export async function explainFailedCommit(
  store: Pick<CertificateStore, "isTokenUsed" | "findBySerialNumber">,
  effects: IssuanceEffects,
  cause: unknown,
): Promise<CaError> {
  const token = effects.consumeToken;
  if (token && (await store.isTokenUsed(token.tokenId).catch(() => false))) {
    return new CaError("token_used", "token already used", { cause });
  }
  const replaced = effects.supersedes;
  const current = replaced && (await store.findBySerialNumber(replaced).catch(() => undefined));
  if (current) {
    try {
      assertNotRenewed(current);
    } catch (refusal) {
      return refusal as CaError;
    }
  }
  return new CaError(
    "unavailable",
    "the certificate could not be recorded, so it was not issued; try again",
    {
      cause,
    },
  );
}

import type { IssuingCa } from "../core/device-certificate.js";
import { API_TOKEN_MAX_SECONDS } from "../core/token-claims.js";
import { type MintedToken, mintApiToken, type TokenMintingDeps } from "./mint-api-token.js";

export const FIRST_ADMIN_SUBJECT = "local-admin";

/**
 * The embedded default's first admin token, so that a fresh install is usable without an identity
 * provider: valid for a year, or until the issuing CA expires if that is sooner.
 */
export function mintFirstAdminToken(
  deps: TokenMintingDeps & { ca: Pick<IssuingCa, "certificate"> },
): Promise<MintedToken> {
  const now = deps.clock.now().getTime();
  const untilCaExpiry = Math.floor((deps.ca.certificate.notAfter.getTime() - now) / 1000);
  return mintApiToken(deps, {
    subject: FIRST_ADMIN_SUBJECT,
    roles: ["admin"],
    lifetimeSeconds: Math.max(1, Math.min(API_TOKEN_MAX_SECONDS, untilCaExpiry)),
    actor: "edge-pki-ca (first start)",
  });
}

import { API_TOKEN_MAX_SECONDS } from "../core/token-claims.js";
import { type MintedToken, mintApiToken } from "./mint-api-token.js";
import type { ServiceContext } from "./service-context.js";

export const FIRST_ADMIN_SUBJECT = "local-admin";

/**
 * The embedded default's first admin token, so that a fresh install is usable without an identity
 * provider: valid for a year, or until the issuing CA expires if that is sooner.
 */
export function mintFirstAdminToken(context: ServiceContext): Promise<MintedToken> {
  const now = context.clock.now().getTime();
  const untilCaExpiry = Math.floor((context.ca.certificate.notAfter.getTime() - now) / 1000);
  return mintApiToken(context, {
    subject: FIRST_ADMIN_SUBJECT,
    roles: ["admin"],
    lifetimeSeconds: Math.max(1, Math.min(API_TOKEN_MAX_SECONDS, untilCaExpiry)),
    actor: "edge-pki-ca (first start)",
  });
}

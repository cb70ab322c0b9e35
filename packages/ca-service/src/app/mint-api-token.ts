import { CaError } from "../core/errors.js";
import { apiTokenIdentity } from "../core/principal.js";
import type { Role } from "../core/roles.js";
import { apiTokenClaims } from "../core/token-claims.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import type { TokenSigner } from "../ports/token-signer.js";
import { newTokenId } from "./token-id.js";

/** What minting a token uses: our own issuer's key, and the store for its audit entry. */
export interface TokenMintingDeps {
  tokens: TokenSigner;
  store: Pick<CertificateStore, "recordTokenMint">;
  clock: Clock;
  random: RandomBytes;
}

export interface MintApiTokenRequest {
  subject: string;
  roles: Role[];
  devicePrefix?: string | undefined;
  /** The token's own request budget, instead of the service's default for callers. */
  rateLimitPerMinute?: number | undefined;
  lifetimeSeconds: number;
  /** Who mints it, for the audit log (the CLI, or the first start). */
  actor: string;
}

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Mints a token for our own API and records it (never the token itself: its jti, subject, roles,
 * prefix and expiry), so that it can be listed and revoked. A subject names one identity, so it
 * holds one live token at a time.
 */
export async function mintApiToken(
  deps: TokenMintingDeps,
  request: MintApiTokenRequest,
): Promise<MintedToken> {
  const now = deps.clock.now();
  const claims = apiTokenClaims({
    subject: request.subject,
    roles: request.roles,
    devicePrefix: request.devicePrefix,
    rateLimitPerMinute: request.rateLimitPerMinute,
    lifetimeSeconds: request.lifetimeSeconds,
    now,
    tokenId: newTokenId(deps.random),
  });
  const token = await deps.tokens.sign(claims);
  const expiresAt = new Date(claims.exp * 1000);
  const outcome = await deps.store.recordTokenMint({
    token: {
      tokenId: claims.jti,
      subject: request.subject,
      roles: request.roles,
      devicePrefix: request.devicePrefix ?? null,
      rateLimitPerMinute: request.rateLimitPerMinute ?? null,
      mintedAt: now,
      mintedBy: request.actor,
      expiresAt,
      revokedAt: null,
      revokedBy: null,
    },
    audit: {
      at: now,
      actor: request.actor,
      action: "token.create",
      target: apiTokenIdentity(request.subject),
      outcome: "success",
      details: {
        tokenId: claims.jti,
        roles: request.roles,
        expiresAt: expiresAt.toISOString(),
        ...(request.devicePrefix !== undefined && { devicePrefix: request.devicePrefix }),
        ...(request.rateLimitPerMinute !== undefined && { rateLimitPerMinute: request.rateLimitPerMinute }),
      },
    },
  });
  // The token just signed is dropped: it was never recorded, so it must never be handed out.
  if (!outcome.recorded) {
    const { holder } = outcome;
    throw new CaError(
      "token_subject_in_use",
      `the subject ${request.subject} already has a live token (${holder.tokenId}, expires ${holder.expiresAt.toISOString()}): revoke it first (edge-pki-ca token revoke ${revokeArgument(holder.tokenId)}) or choose another subject`,
    );
  }
  return { token, expiresAt };
}

/** Ids of tokens minted before they were hexadecimal may start with `-`: `--` keeps them an argument. */
function revokeArgument(tokenId: string): string {
  return tokenId.startsWith("-") ? `-- ${tokenId}` : tokenId;
}

import { assertMayIssueFor } from "../core/authorize.js";
import { assertValidDeviceId } from "../core/device-id.js";
import { identityOf, type Principal } from "../core/principal.js";
import {
  BOOTSTRAP_TOKEN_DEFAULT_SECONDS,
  bootstrapTokenClaims,
  type TokenClaims,
} from "../core/token-claims.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { RandomBytes } from "../ports/clock.js";
import type { TokenSigner } from "../ports/token-signer.js";
import { type IdempotencyDeps, type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import type { MintedToken } from "./mint-api-token.js";
import { newTokenId } from "./token-id.js";

export interface BootstrapTokenDeps extends IdempotencyDeps {
  store: IdempotencyDeps["store"] & Pick<CertificateStore, "recordEvent">;
  tokens: TokenSigner;
  random: RandomBytes;
}

export interface BootstrapTokenRequest {
  deviceId: string;
  /** Default 15 minutes. */
  ttlSeconds?: number | undefined;
  principal: Principal;
  idempotency?: IdempotencyRequest | undefined;
}

/** What a replay needs: the claims, not the token, so no usable bearer token rests in the store. */
interface StoredBootstrapToken {
  claims: TokenClaims;
  expiresAt: string;
}

/**
 * Mints a one-time token with which one device can get one certificate for a CSR. A retry with the
 * same `Idempotency-Key` gets the same token re-signed: same `jti` and expiry, so still one use in
 * total (the string differs because ES256 signatures are randomised).
 */
export async function mintBootstrapToken(
  deps: BootstrapTokenDeps,
  request: BootstrapTokenRequest,
): Promise<MintedToken> {
  const { principal } = request;
  assertValidDeviceId(request.deviceId);
  assertMayIssueFor(principal, request.deviceId, "bootstrap-token");
  return runIdempotent(deps, principal, request.idempotency, {
    name: "createBootstrapToken",
    perform: async (record) => {
      const now = deps.clock.now();
      const claims = bootstrapTokenClaims({
        deviceId: request.deviceId,
        lifetimeSeconds: request.ttlSeconds ?? BOOTSTRAP_TOKEN_DEFAULT_SECONDS,
        now,
        tokenId: newTokenId(deps.random),
        mintedBy:
          principal.apiTokenId === undefined
            ? undefined
            : { tokenId: principal.apiTokenId, expiresAt: principal.apiTokenExpiresAt },
      });
      const token = await deps.tokens.sign(claims);
      const expiresAt = new Date(claims.exp * 1000);
      const stored: StoredBootstrapToken = { claims, expiresAt: expiresAt.toISOString() };
      await deps.store.recordEvent({
        audit: {
          at: now,
          actor: identityOf(principal),
          action: "bootstrap-token.create",
          target: request.deviceId,
          outcome: "success",
          details: { tokenId: claims.jti, expiresAt: stored.expiresAt, mintedBy: claims.minted_by },
        },
        idempotency: record?.(201, stored),
      });
      return { token, expiresAt };
    },
    replay: async (stored) => {
      const { claims, expiresAt } = stored.body as StoredBootstrapToken;
      return { token: await deps.tokens.sign(claims), expiresAt: new Date(expiresAt) };
    },
  });
}

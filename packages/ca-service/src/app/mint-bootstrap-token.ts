import type { BootstrapToken, BootstrapTokenRequest } from "@edge-pki/api-contract";
import { assertMayIssueFor } from "../core/authorize.js";
import { assertValidDeviceId } from "../core/device-id.js";
import { identityOf, type Principal } from "../core/principal.js";
import {
  BOOTSTRAP_TOKEN_DEFAULT_SECONDS,
  bootstrapTokenClaims,
  type TokenClaims,
} from "../core/token-claims.js";
import { type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import type { ServiceContext } from "./service-context.js";
import { newTokenId } from "./token-id.js";

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
  context: ServiceContext,
  request: BootstrapTokenRequest,
  principal: Principal,
  idempotency?: IdempotencyRequest,
): Promise<BootstrapToken> {
  assertValidDeviceId(request.deviceId);
  assertMayIssueFor(principal, request.deviceId, "bootstrap-token");
  return runIdempotent(context, identityOf(principal), idempotency, {
    perform: async (record) => {
      const now = context.clock.now();
      const claims = bootstrapTokenClaims({
        deviceId: request.deviceId,
        lifetimeSeconds: request.ttlSeconds ?? BOOTSTRAP_TOKEN_DEFAULT_SECONDS,
        now,
        tokenId: newTokenId(context.random),
      });
      const token = await context.tokens.sign(claims);
      const expiresAt = new Date(claims.exp * 1000).toISOString();
      const stored: StoredBootstrapToken = { claims, expiresAt };
      await context.store.recordEvent({
        audit: {
          at: now,
          actor: identityOf(principal),
          action: "bootstrap-token.create",
          target: request.deviceId,
          outcome: "success",
          details: { tokenId: claims.jti, expiresAt },
        },
        idempotency: record?.(201, stored),
      });
      return { token, expiresAt };
    },
    replay: async (stored) => {
      const { claims, expiresAt } = stored.body as StoredBootstrapToken;
      return { token: await context.tokens.sign(claims), expiresAt };
    },
  });
}

import type { Operations } from "@edge-pki/api-contract";
import { mintBootstrapToken } from "../../app/mint-bootstrap-token.js";
import type { ServiceContext } from "../../app/service-context.js";
import type { Handlers } from "../handler.js";
import { idempotencyOf } from "../idempotency-key.js";

/** Tokens must not linger in proxies or browser caches. */
const NO_STORE = { "Cache-Control": "no-store" };

/** One-time bootstrap tokens, and the public keys that verify every token this service mints. */
export function tokenHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "createBootstrapToken" | "getJwks"> {
  return {
    createBootstrapToken: async ({ body, principal, request }) => {
      const minted = await mintBootstrapToken(context, {
        deviceId: body.deviceId,
        ttlSeconds: body.ttlSeconds,
        principal,
        idempotency: idempotencyOf(request, "createBootstrapToken", principal, body),
      });
      return { body: { token: minted.token, expiresAt: minted.expiresAt.toISOString() }, headers: NO_STORE };
    },
    getJwks: async () => ({ body: context.tokens.publicJwks() }),
  };
}

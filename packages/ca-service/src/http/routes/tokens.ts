import { BootstrapToken, BootstrapTokenRequest, JsonWebKeySet } from "@edge-pki/api-contract";
import type { z } from "zod";
import { mintBootstrapToken } from "../../app/mint-bootstrap-token.js";
import type { ServiceContext } from "../../app/service-context.js";
import { type Endpoint, endpoint } from "../endpoint.js";
import { idempotencyOf } from "../idempotency-key.js";
import { badRequest, idempotencyConflict, unavailable } from "./problem-responses.js";

/** One-time bootstrap tokens, and the public keys that verify every token this service mints. */
export function tokenEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<z.infer<typeof BootstrapTokenRequest>>({
      method: "post",
      path: "/v1/bootstrap-tokens",
      operationId: "createBootstrapToken",
      summary:
        "A one-time token with which one device gets one certificate for a CSR (POST /v1/certificates)",
      access: "bootstrap-tokens:create",
      idempotent: true,
      tags: ["tokens"],
      body: BootstrapTokenRequest,
      responses: {
        201: {
          description:
            "Minted. A retry with the same Idempotency-Key returns the same token (same jti and expiry) re-signed",
          schema: BootstrapToken,
        },
        400: badRequest,
        422: idempotencyConflict,
        503: unavailable,
      },
      handle: async ({ body, principal, request, response }) => {
        response.setHeader("Cache-Control", "no-store");
        const idempotency = idempotencyOf(request, "createBootstrapToken", principal, body);
        return { status: 201, body: await mintBootstrapToken(context, body, principal, idempotency) };
      },
    }),
    endpoint({
      method: "get",
      path: "/.well-known/jwks.json",
      operationId: "getJwks",
      summary: "Public keys of the service's own token issuer (ES256, with kid)",
      access: "public",
      rateLimit: "public",
      tags: ["tokens"],
      responses: { 200: { description: "JSON Web Key Set", schema: JsonWebKeySet } },
      handle: async () => ({ status: 200, body: context.tokens.publicJwks() }),
    }),
  ];
}

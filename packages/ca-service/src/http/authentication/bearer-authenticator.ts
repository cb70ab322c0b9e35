import { principalFromToken } from "../../core/token-claims.js";
import type { TokenVerifier } from "../../ports/token-verifier.js";
import type { Authenticator } from "./authenticator.js";
import { bearerTokenOf } from "./bearer-token.js";

/** `Authorization: Bearer <JWT>` from our own issuer or a trusted OpenID Connect issuer. */
export function bearerAuthenticator(verifier: TokenVerifier): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request) => principalFromToken(await verifier.verify(bearerTokenOf(request))),
  };
}

import type { RevocationList } from "../../app/revocation-list.js";
import { CaError } from "../../core/errors.js";
import { principalFromToken } from "../../core/token-claims.js";
import type { TokenVerifier } from "../../ports/token-verifier.js";
import type { Authenticator } from "./authenticator.js";
import { bearerTokenOf } from "./bearer-token.js";

/**
 * `Authorization: Bearer <JWT>` from our own issuer or a trusted OpenID Connect issuer. An API token
 * of ours that an operator revoked is refused, on every replica within seconds, and so is every
 * bootstrap token it minted.
 */
export function bearerAuthenticator(verifier: TokenVerifier, revocations: RevocationList): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request) => {
      const principal = principalFromToken(await verifier.verify(bearerTokenOf(request)));
      if (principal.apiTokenId !== undefined && (await revocations.isRevoked(principal.apiTokenId))) {
        throw new CaError("unauthorized", "the token has been revoked");
      }
      const mintedBy = principal.bootstrap?.mintedBy;
      if (mintedBy !== undefined && (await revocations.isRevoked(mintedBy))) {
        throw new CaError("unauthorized", "the token that minted this bootstrap token has been revoked");
      }
      return principal;
    },
  };
}

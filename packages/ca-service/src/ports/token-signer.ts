import type { TokenClaims } from "../core/token-claims.js";

/** A public key as published at `/.well-known/jwks.json`. */
export interface PublicJwk {
  kty: string;
  kid: string;
  alg: string;
  use: "sig";
  [parameter: string]: unknown;
}

/** The service's own token issuer: signs tokens with a key that never leaves it. */
export interface TokenSigner {
  sign(claims: TokenClaims): Promise<string>;
  publicJwks(): { keys: PublicJwk[] };
}

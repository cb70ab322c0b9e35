import { createPublicKey } from "node:crypto";
import { calculateJwkThumbprint } from "jose";
import type { TokenKey } from "../../app/load-token-key.js";
import { CaError } from "../../core/errors.js";
import { OWN_ALGORITHMS, type TokenClaims } from "../../core/token-claims.js";
import type { CaSigner } from "../../ports/ca-key-store.js";
import type { PublicJwk, TokenSigner } from "../../ports/token-signer.js";

const ALGORITHM = OWN_ALGORITHMS[0];
const P256_SIGNATURE_BYTES = 64;

/**
 * The service's own token issuer over the key store's token-signing key: the JWS signing input goes
 * to `CaSigner.sign`, whose raw r‖s ECDSA signature is exactly an ES256 JWS signature (RFC 7518
 * §3.4), so with Key Vault no token key bytes exist in the service. The `kid` is the key's RFC 7638
 * thumbprint: every replica sharing the key store publishes the same JWKS.
 */
export class KeyStoreTokenSigner implements TokenSigner {
  private constructor(
    private readonly signer: CaSigner,
    private readonly publicJwk: PublicJwk,
  ) {}

  static async open(key: TokenKey): Promise<KeyStoreTokenSigner> {
    const spki = Buffer.from(key.signer.publicKeySpki);
    const jwk = createPublicKey({ key: spki, format: "der", type: "spki" }).export({ format: "jwk" });
    const publicKey = { kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y };
    return new KeyStoreTokenSigner(key.signer, {
      ...publicKey,
      kid: await calculateJwkThumbprint(publicKey),
      alg: ALGORITHM,
      use: "sig",
      // RFC 7517 §4.7: standard base64 DER, the key's certificate first.
      x5c: key.chain.map((entry) => Buffer.from(entry.rawData).toString("base64")),
    });
  }

  async sign(claims: TokenClaims): Promise<string> {
    const header = { alg: ALGORITHM, kid: this.publicJwk.kid, typ: "JWT" };
    const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    let signature: Uint8Array;
    try {
      signature = await this.signer.sign(new TextEncoder().encode(input));
    } catch (cause) {
      throw new CaError("unavailable", "the token-signing key could not sign; try again later", { cause });
    }
    if (signature.byteLength !== P256_SIGNATURE_BYTES) {
      throw new CaError("internal", "the token-signing key returned a signature that is not ES256");
    }
    return `${input}.${Buffer.from(signature).toString("base64url")}`;
  }

  publicJwks(): { keys: PublicJwk[] } {
    return { keys: [{ ...this.publicJwk }] };
  }
}

function base64url(text: string): string {
  return Buffer.from(text).toString("base64url");
}

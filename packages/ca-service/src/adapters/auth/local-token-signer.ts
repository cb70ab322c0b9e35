import { createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import { join } from "node:path";
import { calculateJwkThumbprint, SignJWT } from "jose";
import { OWN_ALGORITHMS, type TokenClaims } from "../../core/token-claims.js";
import type { PublicJwk, TokenSigner } from "../../ports/token-signer.js";
import { readIfPresent } from "../fs/read-if-present.js";
import { writeNewFile } from "../fs/write-new-file.js";
import { type KeyEnvelope, openKey, sealKey } from "../keys/key-envelope.js";

/** Sealed like the CA keys, but a key of its own: a leaked token key must not sign certificates. */
export const TOKEN_KEY_FILE = "keys/token-signing.key.json";
const LABEL = "token-signing";
const ALGORITHM = OWN_ALGORITHMS[0];

/**
 * The service's own token issuer: an ES256 key sealed with the CA passphrase in the data folder,
 * created on first use and never overwritten. The private key is held as a non-extractable
 * CryptoKey; its public half is published with a `kid` (its RFC 7638 thumbprint).
 */
export class LocalTokenSigner implements TokenSigner {
  private constructor(
    private readonly privateKey: webcrypto.CryptoKey,
    private readonly publicJwk: PublicJwk,
  ) {}

  static async open(dataDir: string, passphrase: string): Promise<LocalTokenSigner> {
    const path = join(dataDir, TOKEN_KEY_FILE);
    const envelope = (await readIfPresent(path)) ?? (await createKeyFile(path, passphrase));
    const pkcs8 = await openKey(JSON.parse(envelope.toString("utf8")) as KeyEnvelope, passphrase, LABEL);
    try {
      const privateKey = await webcrypto.subtle.importKey(
        "pkcs8",
        pkcs8,
        { name: "ECDSA", namedCurve: "P-256" },
        false,
        ["sign"],
      );
      const jwk = createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
        format: "jwk",
      });
      const kid = await calculateJwkThumbprint({ kty: "EC", crv: jwk.crv, x: jwk.x, y: jwk.y });
      return new LocalTokenSigner(privateKey, {
        kty: "EC",
        crv: jwk.crv,
        x: jwk.x,
        y: jwk.y,
        kid,
        alg: ALGORITHM,
        use: "sig",
      });
    } finally {
      pkcs8.fill(0);
    }
  }

  sign(claims: TokenClaims): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, kid: this.publicJwk.kid, typ: "JWT" })
      .sign(this.privateKey);
  }

  publicJwks(): { keys: PublicJwk[] } {
    return { keys: [{ ...this.publicJwk }] };
  }
}

/** Creates the sealed key file; when another process won the race, reads the one it wrote. */
async function createKeyFile(path: string, passphrase: string): Promise<Buffer> {
  const pair = (await webcrypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
  try {
    const content = `${JSON.stringify(await sealKey(pkcs8, passphrase, LABEL), null, 2)}\n`;
    await writeNewFile(path, content, 0o600);
    return Buffer.from(content);
  } catch (error) {
    const existing = (error as NodeJS.ErrnoException).code === "EEXIST" && (await readIfPresent(path));
    if (existing) return existing;
    throw error;
  } finally {
    pkcs8.fill(0);
  }
}

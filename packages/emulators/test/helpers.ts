import { createPublicKey, type KeyObject } from "node:crypto";
import type { TokenCredential } from "@azure/core-auth";
import { CertificateClient } from "@azure/keyvault-certificates";
import { CryptographyClient, KeyClient, type KeyVaultKey } from "@azure/keyvault-keys";
import type { KeyVaultEmulator } from "../src/index.js";

/** Any token works against the emulator; expiry far enough out that the SDK never refreshes. */
export const credential: TokenCredential = {
  getToken: async () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface ClientOptions {
  maxRetries?: number;
}

function pipelineOptions(emulator: KeyVaultEmulator, options: ClientOptions = {}) {
  return {
    disableChallengeResourceVerification: true,
    tlsOptions: { ca: emulator.caCertificatePem },
    ...(options.maxRetries === undefined ? {} : { retryOptions: { maxRetries: options.maxRetries } }),
  };
}

export const keyClient = (emulator: KeyVaultEmulator, options?: ClientOptions): KeyClient =>
  new KeyClient(emulator.url, credential, pipelineOptions(emulator, options));

export const certificateClient = (emulator: KeyVaultEmulator, options?: ClientOptions): CertificateClient =>
  new CertificateClient(emulator.url, credential, pipelineOptions(emulator, options));

export const cryptographyClient = (emulator: KeyVaultEmulator, kid: string): CryptographyClient =>
  new CryptographyClient(kid, credential, pipelineOptions(emulator));

/** The public key of a Key Vault key, rebuilt from the JWK the emulator returned. */
export function publicKeyOf(key: KeyVaultKey): KeyObject {
  const jwk = key.key;
  if (!jwk) throw new Error("key has no JWK");
  const b64u = (bytes: Uint8Array | undefined) =>
    Buffer.from(bytes ?? new Uint8Array()).toString("base64url");
  return jwk.kty?.startsWith("EC")
    ? createPublicKey({ key: { kty: "EC", crv: jwk.crv, x: b64u(jwk.x), y: b64u(jwk.y) }, format: "jwk" })
    : createPublicKey({ key: { kty: "RSA", n: b64u(jwk.n), e: b64u(jwk.e) }, format: "jwk" });
}

/** Runs `fn` and returns what it threw (fails the test if it did not throw). */
export async function caught(
  fn: () => Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; message: string }> {
  try {
    await fn();
  } catch (error) {
    return error as { statusCode?: number; code?: string; message: string };
  }
  throw new Error("expected the call to fail");
}

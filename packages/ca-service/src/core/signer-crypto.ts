import type { webcrypto } from "node:crypto";
import type { CaSigner } from "../ports/ca-key-store.js";
import { CaError } from "./errors.js";
import { x509 } from "./x509.js";

/**
 * @peculiar/x509 signs through a WebCrypto `Crypto`. This one routes `subtle.sign` to a CaSigner, so
 * the same certificate code works for keys that never leave a file or Key Vault, and delegates
 * everything else (digests for key identifiers, key import) to the platform.
 */
export function signerCrypto(signer: CaSigner): {
  crypto: webcrypto.Crypto;
  signingKey: webcrypto.CryptoKey;
} {
  const platform = globalThis.crypto;
  const subtle = new Proxy(platform.subtle, {
    get(target, property) {
      if (property === "sign") {
        return async (_algorithm: unknown, _key: unknown, data: webcrypto.BufferSource) =>
          toArrayBuffer(await signer.sign(toBytes(data)));
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const crypto = {
    subtle,
    getRandomValues: platform.getRandomValues.bind(platform),
    randomUUID: platform.randomUUID.bind(platform),
  } as webcrypto.Crypto;
  // The generator reads the algorithm (and, for ECDSA, the curve that sizes r‖s) from the key.
  const signingKey = {
    algorithm: { ...signer.signatureAlgorithm },
    type: "private",
    extractable: false,
    usages: ["sign"],
  } as unknown as webcrypto.CryptoKey;
  return { crypto, signingKey };
}

/**
 * Refuses what a signer returned when its signature does not verify with the signer's own public key:
 * a remote signer (Key Vault) is trusted for its key, not for its bytes. Checking is cheap and local.
 */
export async function assertSignatureVerifies(
  signed: x509.X509Certificate | x509.X509Crl,
  signer: CaSigner,
  what: "certificate" | "CRL",
): Promise<void> {
  const publicKey = new x509.PublicKey(signer.publicKeySpki);
  const verifies =
    signed instanceof x509.X509Certificate
      ? await signed.verify({ publicKey, signatureOnly: true })
      : await signed.verify({ publicKey });
  if (!verifies) throw signatureRefused(signer, what);
}

/** Why what a signer signed was discarded: its signature does not verify with the signer's key. */
export function signatureRefused(signer: CaSigner, what: "certificate" | "CRL"): CaError {
  return new CaError(
    "unavailable",
    `the CA key store returned a signature that does not verify; the ${what} was discarded`,
    { cause: new Error(`a ${what} signature from ${signer.keyRef} does not verify with its public key`) },
  );
}

function toBytes(data: webcrypto.BufferSource): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

import { createHash } from "node:crypto";
import {
  classifyPublicKey,
  type SignatureAlgorithm,
  signatureAlgorithmFor,
} from "../../../core/key-algorithms.js";
import type { CaSigner } from "../../../ports/ca-key-store.js";
import type { AdaptiveConcurrencyLimit } from "./adaptive-concurrency-limit.js";
import type { KeyVaultClient, VaultKey, VaultSignatureAlgorithm } from "./key-vault-client.js";
import { callWithinPolicy, type SigningPolicy } from "./signing-policy.js";

export interface KeyVaultSignerOptions {
  client: KeyVaultClient;
  /** One limit per vault: every key of the vault draws on the same throttling budget. */
  limit: AdaptiveConcurrencyLimit;
  policy: SigningPolicy;
}

/**
 * A CaSigner for one versioned Key Vault key: the digest is computed here and only the digest
 * leaves the process; the private key never does. The public key was read once, by `getKey`.
 */
export function keyVaultSigner(key: VaultKey, options: KeyVaultSignerOptions): CaSigner {
  const keyAlgorithm = classifyPublicKey(key.publicKeySpki);
  const signatureAlgorithm = signatureAlgorithmFor(keyAlgorithm);
  const jwa = jwaFor(signatureAlgorithm);
  const hash = signatureAlgorithm.hash === "SHA-384" ? "sha384" : "sha256";
  return {
    keyRef: key.id,
    keyAlgorithm,
    signatureAlgorithm,
    publicKeySpki: key.publicKeySpki,
    sign: (data) => {
      const digest = new Uint8Array(createHash(hash).update(data).digest());
      return callWithinPolicy(options.limit, options.policy, (abortSignal) =>
        options.client.sign(key.id, jwa, digest, { abortSignal }),
      );
    },
  };
}

/** The JWA name of the signature WebCrypto would make: ES256/ES384 (raw r‖s), RS256. */
function jwaFor(algorithm: SignatureAlgorithm): VaultSignatureAlgorithm {
  if (algorithm.name === "ECDSA") return algorithm.hash === "SHA-384" ? "ES384" : "ES256";
  return "RS256";
}

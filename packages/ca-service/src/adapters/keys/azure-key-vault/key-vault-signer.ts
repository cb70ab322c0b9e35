import { createHash } from "node:crypto";
import { CaError } from "../../../core/errors.js";
import {
  classifyPublicKey,
  type SignatureAlgorithm,
  signatureAlgorithmFor,
} from "../../../core/key-algorithms.js";
import type { CaSigner } from "../../../ports/ca-key-store.js";
import type { KeyVaultMetrics } from "../../../ports/metrics.js";
import type { AdaptiveConcurrencyLimit } from "./adaptive-concurrency-limit.js";
import {
  type KeyVaultClient,
  VaultCallError,
  type VaultKey,
  type VaultSignatureAlgorithm,
} from "./key-vault-client.js";
import { callWithinPolicy, type SigningPolicy, VaultUnavailableError } from "./signing-policy.js";

export interface KeyVaultSignerOptions {
  client: KeyVaultClient;
  /** One limit per vault: every key of the vault draws on the same throttling budget. */
  limit: AdaptiveConcurrencyLimit;
  policy: SigningPolicy;
  /** Where each sign call is reported; nowhere when undefined. */
  metrics?: KeyVaultMetrics | undefined;
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
    signsInProcess: false,
    sign: async (data) => {
      const digest = new Uint8Array(createHash(hash).update(data).digest());
      try {
        return await callWithinPolicy(
          options.limit,
          options.policy,
          (abortSignal) => options.client.sign(key.id, jwa, digest, { abortSignal }),
          options.metrics,
        );
      } catch (error) {
        throw forCaller(error);
      }
    },
  };
}

/** What the caller of a failed signature is told; the vault's own words stay in `cause`, for the log. */
function forCaller(error: unknown): unknown {
  if (error instanceof VaultUnavailableError) {
    const { retryAfterMs } = error;
    return new CaError("unavailable", "the CA key could not sign; try again later", {
      cause: error,
      retryAfterSeconds: retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000)),
    });
  }
  // 401/403/404: a missing role, a bad credential, a deleted key. Retrying cannot help, so no
  // "try again later" (and no Retry-After): someone has to fix the service's access.
  if (error instanceof VaultCallError && error.kind === "rejected") {
    return new CaError(
      "internal",
      "the CA key store refused to sign; the service's Key Vault access needs fixing",
      { cause: error },
    );
  }
  return error;
}

/** The JWA name of the signature WebCrypto would make: ES256/ES384 (raw r‖s), RS256. */
function jwaFor(algorithm: SignatureAlgorithm): VaultSignatureAlgorithm {
  if (algorithm.name === "ECDSA") return algorithm.hash === "SHA-384" ? "ES384" : "ES256";
  return "RS256";
}

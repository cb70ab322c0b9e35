/**
 * The few Key Vault operations the CA needs, as a narrow port of its own: the key store depends on
 * this, the official SDK clients implement it (`sdk-key-vault-client.ts`), and nothing else in the
 * service speaks Key Vault.
 */

/** One version of a Key Vault key: only its public half ever reaches the service. */
export interface VaultKey {
  /** The versioned key id (`https://…/keys/{name}/{version}`): signing through it never follows a rotation. */
  id: string;
  /** DER SubjectPublicKeyInfo. */
  publicKeySpki: Uint8Array;
}

/** A completed certificate and the versioned id of the key it certifies. */
export interface VaultCertificate {
  certificateDer: Uint8Array;
  keyName: string;
  keyVersion: string;
}

/** The key Key Vault generates for a new certificate. `hsm` selects EC-HSM/RSA-HSM (Premium vaults). */
export type VaultKeySpec =
  | { keyType: "EC"; curve: "P-256" | "P-384"; hsm: boolean }
  | { keyType: "RSA"; keySize: 2048 | 3072 | 4096; hsm: boolean };

/** Key Vault's JWA names for the signatures the CA makes. */
export type VaultSignatureAlgorithm = "ES256" | "ES384" | "RS256";

/** Why a call failed, so the caller can decide to wait, retry or give up. */
export type VaultFailureKind =
  /** 429: wait `retryAfterMs` (when the vault said) and try again. */
  | "throttled"
  /** 5xx, 408, timeouts and connection errors: worth a few more tries. */
  | "transient"
  /** Anything else (403, 404, a bad request): retrying cannot help. */
  | "rejected";

export class VaultCallError extends Error {
  override readonly name = "VaultCallError";
  /** The vault's HTTP status; undefined when no answer came (timeout, connection error). */
  readonly status: number | undefined;
  constructor(
    readonly kind: VaultFailureKind,
    message: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; status?: number | undefined },
  ) {
    super(message, options);
    this.status = options?.status;
  }
}

export interface CallOptions {
  abortSignal?: AbortSignal;
}

export interface KeyVaultClient {
  /** The vault's URL, for logs. */
  readonly vaultUrl: string;
  /**
   * The certificate's newest completed (issued or merged, enabled) version, even when a newer
   * version is pending; undefined when no version was ever completed.
   */
  getCertificate(name: string): Promise<VaultCertificate | undefined>;
  /** The DER CSR of the certificate's operation when one is in progress; undefined otherwise. */
  getPendingCsr(name: string): Promise<Uint8Array | undefined>;
  /**
   * Starts a certificate with issuer `Unknown`: Key Vault creates a non-exportable key and a CSR and
   * waits for a merge. `subject` only fills the CSR; the CA builds the real certificate itself.
   */
  beginCreateCertificate(name: string, subject: string, key: VaultKeySpec): Promise<void>;
  /** Completes the pending certificate with `certificateDer` (its key must be the pending key). */
  mergeCertificate(name: string, certificateDer: Uint8Array): Promise<void>;
  /**
   * Readiness: one GET of the key's latest version, never retried (a caller that waits out a 429
   * would outlive a probe's timeout). Throws a VaultCallError.
   */
  probe(keyName: string, options: CallOptions): Promise<void>;
  /** A key version (the latest when `version` is undefined). Throws a VaultCallError when it fails. */
  getKey(name: string, version?: string, options?: CallOptions): Promise<VaultKey>;
  /** Signs a digest with a versioned key; ECDSA results are raw r‖s. Throws a VaultCallError. */
  sign(
    keyId: string,
    algorithm: VaultSignatureAlgorithm,
    digest: Uint8Array,
    options: CallOptions,
  ): Promise<Uint8Array>;
}

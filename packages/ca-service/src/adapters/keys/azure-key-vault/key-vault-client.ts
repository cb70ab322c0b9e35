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

/** A completed certificate version and the versioned id of the key it certifies. */
export interface VaultCertificate {
  certificateDer: Uint8Array;
  keyName: string;
  keyVersion: string;
  /** The version's tags (`{}` when it has none). */
  tags: Record<string, string>;
}

/** A certificate operation in progress: who issues it, and the CSR of its (disabled) key. */
export interface VaultOperation {
  /** `Self`, `Unknown` (a merge completes it), or an issuer configured in the vault. */
  issuer: string;
  /** DER PKCS#10. */
  csr: Uint8Array;
}

/** A new certificate version: Key Vault makes its key (non-exportable) and, for `Self`, signs it. */
export interface CertificateCreation {
  issuer: "Self" | "Unknown";
  subject: string;
  key: VaultKeySpec;
  /** A new version of the latest key's material instead of a new key. */
  reuseKey: boolean;
  /** X.509 key usages of the policy; they decide the key's operations (sign needs one of them). */
  keyUsage: ("digitalSignature" | "keyCertSign" | "cRLSign")[];
  validityMonths?: number;
  tags?: Record<string, string>;
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
  /** The certificate's operation when one is in progress; undefined otherwise. */
  getPendingOperation(name: string): Promise<VaultOperation | undefined>;
  /** Starts a certificate version; its operation stays in progress until Key Vault (Self) or a merge completes it. */
  createCertificate(name: string, creation: CertificateCreation): Promise<void>;
  /** Waits, polling within the call deadline, until the certificate's operation is no longer in progress. */
  waitForOperation(name: string): Promise<void>;
  /** Completes the pending `Unknown` version with `certificateDer`; returns the completed version (a new version id). */
  mergeCertificate(name: string, certificateDer: Uint8Array): Promise<VaultCertificate>;
  /**
   * Readiness: one GET of the key's latest version, never retried (a caller that waits out a 429
   * would outlive a probe's timeout). Throws a VaultCallError.
   */
  probe(keyName: string, options: CallOptions): Promise<void>;
  /** One key version. Throws a VaultCallError when it fails. */
  getKey(name: string, version: string): Promise<VaultKey>;
  /**
   * Disables every completed, enabled version of the certificate but `keep` (the current one), and
   * so their keys, which then sign nothing; pending versions are left alone. Returns the versioned
   * key ids it disabled (none when there was nothing left to disable).
   */
  disableOtherVersions(name: string, keep: string): Promise<string[]>;
  /** Signs a digest with a versioned key; ECDSA results are raw r‖s. Throws a VaultCallError. */
  sign(
    keyId: string,
    algorithm: VaultSignatureAlgorithm,
    digest: Uint8Array,
    options: CallOptions,
  ): Promise<Uint8Array>;
}

import type { KeyAlgorithm, SignatureAlgorithm } from "../core/key-algorithms.js";

/** The two CAs the service runs: a self-signed root and the issuing intermediate under it. */
export type CaName = "root" | "intermediate";

/**
 * A CA signing key that stays where it lives (an encrypted file, Azure Key Vault): callers get a
 * signature, never key bytes.
 */
export interface CaSigner {
  /** Where the key lives, for logs and audit: a file name or a versioned Key Vault key id. */
  readonly keyRef: string;
  readonly keyAlgorithm: KeyAlgorithm;
  readonly signatureAlgorithm: SignatureAlgorithm;
  /** DER SubjectPublicKeyInfo. */
  readonly publicKeySpki: Uint8Array;
  /**
   * Signs `data` with `signatureAlgorithm`. ECDSA signatures come back as raw r‖s (IEEE P1363), as
   * WebCrypto and Key Vault produce them.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface StoredCa {
  signer: CaSigner;
  /** DER certificate; absent when a key was created but its certificate never saved (a half-done init). */
  certificateDer: Uint8Array | undefined;
}

/** Where CA keys and certificates live. CA material is created once and never overwritten. */
export interface CaKeyStore {
  readonly kind: string;
  load(name: CaName): Promise<StoredCa | undefined>;
  /** Creates the CA's key; fails when one exists. */
  createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner>;
  /** Stores the certificate for the key `createKey` made; fails when a certificate exists. */
  saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<void>;
  /** Throws when the key store cannot be used (for readiness). */
  check(): Promise<void>;
}

import type { KeyAlgorithm, SignatureAlgorithm } from "../core/key-algorithms.js";

/**
 * What the key store holds: the two CAs the service runs (a self-signed root and the issuing
 * intermediate under it), and the key of the service's own token issuer, certified by the root as an
 * end entity so that every replica sharing the key store signs and publishes the same token key.
 */
export type CaName = "root" | "intermediate" | "token-signing";

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
   * Whether `sign` is node:crypto in this process with a key it holds (a local file). Such a
   * signature needs no second look, as OpenSSL and cfssl sign; a remote signer (Key Vault) is
   * trusted for its key, not for its bytes, so what it returns is verified before use.
   */
  readonly signsInProcess: boolean;
  /**
   * Signs `data` with `signatureAlgorithm`. ECDSA signatures come back as raw r‖s (IEEE P1363), as
   * WebCrypto and Key Vault produce them.
   */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export interface StoredCa {
  /**
   * The key's signer. Before its certificate is saved, a store may hold a key that cannot sign
   * yet (Key Vault: a certificate an older init left pending); its `sign` then says what to do.
   */
  signer: CaSigner;
  /** DER certificate; absent when a key was created but its certificate never saved (a half-done init). */
  certificateDer: Uint8Array | undefined;
}

/** A next key made current. */
export interface PromotedKey {
  /** The signer that serves the new certificate from now on. */
  signer: CaSigner;
  /**
   * Where the key it replaced is kept: an archived file, a Key Vault key version (to disable once
   * nothing needs it). Undefined when the key had been promoted before this call.
   */
  replacedKeyRef: string | undefined;
}

/**
 * Where CA (and token-signing) keys and certificates live. Created once and never overwritten; the
 * intermediate alone may be replaced (retired), and then its material is kept, never deleted.
 */
export interface CaKeyStore {
  readonly kind: string;
  load(name: CaName): Promise<StoredCa | undefined>;
  /** Creates the CA's key; fails when one exists. */
  createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner>;
  /**
   * Stores the certificate for the key `createKey` made; fails when a certificate exists. Returns
   * the signer that serves the certificate from now on when it is not the one the key was made
   * with (Key Vault: the key of the certificate's new version); undefined when it is.
   */
  saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<CaSigner | undefined>;
  /**
   * Replacing the intermediate, step 1: the key that will replace the current one, made beside it
   * (the current key keeps serving until {@link promoteNextKey}). A retry after a crash gets the
   * same key, never a second. Its signer may be unable to sign before promotion: only the root
   * signs with it in between, the intermediate's certificate.
   */
  nextKey(name: "intermediate", algorithm: KeyAlgorithm): Promise<CaSigner>;
  /**
   * Step 2: makes the next key current, with its certificate. The key and certificate it replaces
   * are kept (archived files, an earlier Key Vault version), never deleted. Running it again after
   * it succeeded, with the certificate now current, changes nothing.
   */
  promoteNextKey(name: "intermediate", certificateDer: Uint8Array): Promise<PromotedKey>;
  /**
   * Step 3, once the replacement is in place: makes the keys it replaced unable to sign where the
   * store can (Key Vault: their versions are disabled, kept for a forensic look); returns what it
   * disabled now, nothing when there is nothing left to disable. Archived key files stay as they
   * are (0600, encrypted): nothing to disable there. Safe to run again.
   */
  disableReplacedKeys(name: "intermediate"): Promise<string[]>;
  /** Throws when the key store cannot be used (for readiness). */
  check(): Promise<void>;
}

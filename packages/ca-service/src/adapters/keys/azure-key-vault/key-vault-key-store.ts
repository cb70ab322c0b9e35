import type { KeyAlgorithm } from "../../../core/key-algorithms.js";
import { x509 } from "../../../core/x509.js";
import type { CaKeyStore, CaName, CaSigner, StoredCa } from "../../../ports/ca-key-store.js";
import { AdaptiveConcurrencyLimit } from "./adaptive-concurrency-limit.js";
import type { KeyVaultClient, VaultKeySpec } from "./key-vault-client.js";
import { keyVaultSigner } from "./key-vault-signer.js";
import { ReadinessProbe } from "./readiness-probe.js";
import { DEFAULT_SIGNING_POLICY, type SigningPolicy } from "./signing-policy.js";

export interface KeyVaultKeyStoreOptions {
  client: KeyVaultClient;
  /** Key Vault certificate names of the two CAs. */
  certificateNames: Record<CaName, string>;
  /** Create EC-HSM/RSA-HSM keys (Premium vaults) instead of software keys. */
  hsm: boolean;
  signing?: Partial<SigningPolicy>;
  /** Upper bound of concurrent sign calls to the vault; default 32. */
  maxConcurrentSigns?: number;
  /** How long a successful readiness probe is trusted; default 2 s. */
  checkCacheMs?: number;
  clock?: () => number;
}

/**
 * CA keys as non-exportable Key Vault keys behind Key Vault certificates. Each CA is one certificate
 * created with issuer `Unknown`: `createKey` starts it (Key Vault generates the key and a CSR) and
 * returns a signer on that pending key version; the CA's own core builds the certificate (the root
 * self-signed through its Key Vault key, the intermediate by the root), and `saveCertificate`
 * merges it. Why not issuer `Self` for the root: Key Vault then builds the root from a policy that
 * cannot express our profile (no control over basicConstraints or pathlen, validity only in whole
 * months so it cannot end exactly before 2038, its own default key usages and EKUs); signing it
 * ourselves gives the root exactly the profile of the local key store. A root someone already
 * created (even with `Self`) is adopted as it is; init refuses it when it is no usable CA.
 */
export class KeyVaultKeyStore implements CaKeyStore {
  readonly kind = "keyvault";
  readonly #options: KeyVaultKeyStoreOptions;
  readonly #limit: AdaptiveConcurrencyLimit;
  readonly #policy: SigningPolicy;
  readonly #readiness: ReadinessProbe;

  constructor(options: KeyVaultKeyStoreOptions) {
    this.#options = options;
    this.#limit = new AdaptiveConcurrencyLimit({ max: options.maxConcurrentSigns ?? 32 });
    this.#policy = { ...DEFAULT_SIGNING_POLICY, ...options.signing };
    this.#readiness = new ReadinessProbe(
      options.client,
      options.certificateNames.root,
      options.checkCacheMs ?? 2_000,
      options.clock ?? Date.now,
    );
  }

  /** The completed certificate and a signer on its versioned key, or only the pending key's signer. */
  async load(name: CaName): Promise<StoredCa | undefined> {
    const certificateName = this.#options.certificateNames[name];
    const completed = await this.#options.client.getCertificate(certificateName);
    if (completed) {
      const key = await this.#options.client.getKey(completed.keyName, completed.keyVersion);
      return { signer: this.#signer(key), certificateDer: completed.certificateDer };
    }
    const pending = await this.#pendingSigner(certificateName);
    return pending && { signer: pending, certificateDer: undefined };
  }

  async createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner> {
    const certificateName = this.#options.certificateNames[name];
    const { client } = this.#options;
    // Key Vault would happily add a version; CA material is never replaced, so refuse first.
    if ((await client.getCertificate(certificateName)) || (await client.getPendingCsr(certificateName))) {
      throw new Error(`Key Vault certificate ${certificateName} already exists; not creating another key`);
    }
    await client.beginCreateCertificate(certificateName, `CN=${certificateName}`, this.#keySpec(algorithm));
    const signer = await this.#pendingSigner(certificateName);
    if (!signer)
      throw new Error(`Key Vault certificate ${certificateName} has no pending operation after create`);
    return signer;
  }

  async saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<void> {
    const certificateName = this.#options.certificateNames[name];
    if (await this.#options.client.getCertificate(certificateName)) {
      throw new Error(
        `Key Vault certificate ${certificateName} already has a certificate; never overwritten`,
      );
    }
    await this.#options.client.mergeCertificate(certificateName, certificateDer);
  }

  /** Reachability, see {@link ReadinessProbe}; throws a CaError whose message says why. */
  check(): Promise<void> {
    return this.#readiness.check();
  }

  /**
   * The signer of a certificate's in-progress operation. Its key is the latest version of the
   * certificate's key; the CSR proves which one, so a mismatch is refused rather than guessed.
   */
  async #pendingSigner(certificateName: string): Promise<CaSigner | undefined> {
    const csrDer = await this.#options.client.getPendingCsr(certificateName);
    if (!csrDer) return undefined;
    const key = await this.#options.client.getKey(certificateName);
    const csrKey = new Uint8Array(new x509.Pkcs10CertificateRequest(csrDer).publicKey.rawData);
    if (!Buffer.from(csrKey).equals(Buffer.from(key.publicKeySpki))) {
      throw new Error(`the latest key of ${certificateName} is not the key of its pending CSR`);
    }
    return this.#signer(key);
  }

  #signer(key: Parameters<typeof keyVaultSigner>[0]): CaSigner {
    return keyVaultSigner(key, { client: this.#options.client, limit: this.#limit, policy: this.#policy });
  }

  #keySpec(algorithm: KeyAlgorithm): VaultKeySpec {
    const { hsm } = this.#options;
    switch (algorithm) {
      case "ECDSA_P256":
        return { keyType: "EC", curve: "P-256", hsm };
      case "ECDSA_P384":
        return { keyType: "EC", curve: "P-384", hsm };
      case "RSA_2048":
        return { keyType: "RSA", keySize: 2048, hsm };
      case "RSA_3072":
        return { keyType: "RSA", keySize: 3072, hsm };
      case "RSA_4096":
        return { keyType: "RSA", keySize: 4096, hsm };
    }
  }
}

import { classifyPublicKey, type KeyAlgorithm } from "../../../core/key-algorithms.js";
import { x509 } from "../../../core/x509.js";
import type { CaKeyStore, CaName, CaSigner, PromotedKey, StoredCa } from "../../../ports/ca-key-store.js";
import type { KeyVaultMetrics } from "../../../ports/metrics.js";
import { sameBytes } from "../same-bytes.js";
import { AdaptiveConcurrencyLimit } from "./adaptive-concurrency-limit.js";
import { type CertificateState, KEY_PLACEHOLDER_TAGS, readCertificateState } from "./certificate-state.js";
import type { KeyVaultClient, VaultCertificate, VaultKeySpec, VaultOperation } from "./key-vault-client.js";
import { keyVaultSigner } from "./key-vault-signer.js";
import { pendingKeySigner } from "./pending-key-signer.js";
import { ReadinessProbe } from "./readiness-probe.js";
import { DEFAULT_SIGNING_POLICY, type SigningPolicy } from "./signing-policy.js";

export interface KeyVaultKeyStoreOptions {
  client: KeyVaultClient;
  /** Key Vault certificate names of the two CAs and the token-signing key. */
  certificateNames: Record<CaName, string>;
  /** Create EC-HSM/RSA-HSM keys (Premium vaults) instead of software keys. */
  hsm: boolean;
  signing?: Partial<SigningPolicy>;
  /** Upper bound of concurrent sign calls to the vault; default 32. */
  maxConcurrentSigns?: number;
  /** How long a successful readiness probe is trusted; default 2 s. */
  checkCacheMs?: number;
  clock?: () => number;
  /** Where each sign call is reported (latency, 429s, the adaptive limit); nowhere by default. */
  metrics?: KeyVaultMetrics | undefined;
}

/**
 * The placeholder lives a month: long enough to finish an init, short enough that its version of
 * the CA key (the same key as the certificate's) does not outlive it by years.
 */
const PLACEHOLDER_VALIDITY_MONTHS = 1;

/**
 * CA keys as non-exportable Key Vault keys behind Key Vault certificates, made only of steps the
 * REST specs and the recorded sessions guarantee (docs/azure-key-vault.md, "How the CA is created"):
 *
 * 1. `createKey` creates a first version with issuer `Self`, tagged as the key placeholder: Key
 *    Vault generates the key and completes the version itself, so the key is enabled and signs
 *    (the root signs its own certificate with it). A pending certificate's key cannot sign.
 * 2. `saveCertificate` creates the next version with issuer `Unknown` and `reuse_key`, so its CSR
 *    holds the same key, and merges the certificate the CA's core built; the merge completes it
 *    under a new version id, whose key serves from then on.
 *
 * A certificate someone made (even with `Self`) is adopted as it is, and one an older init made
 * (`Unknown`, merged) is used as it is: a completed certificate's key signs under the strict rules
 * too. A certificate an older init left pending is resumed when its key need not sign first (the
 * intermediate, the token-signing key); for the root, init stops with the way out.
 *
 * Replacing the intermediate adds versions to its certificate: `nextKey` starts a version with
 * issuer `Unknown` and a new key (no placeholder: the root, not this key, signs its certificate),
 * and `promoteNextKey` merges the new certificate into it. Until the merge, the newest completed
 * version is still the current one, so every replica keeps loading it; the versions replaced stay
 * in the vault, with their keys, disabled by `disableReplacedKeys` once the new one is in place.
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

  /** The certificate and a signer on its versioned key; before it is merged, the key alone. */
  async load(name: CaName): Promise<StoredCa | undefined> {
    const certificateName = this.#options.certificateNames[name];
    const state = await this.#state(certificateName);
    switch (state.kind) {
      case "absent":
        return undefined;
      case "certified":
        return {
          signer: await this.#signerOf(state.certificate),
          certificateDer: state.certificate.certificateDer,
        };
      case "placeholder":
        return { signer: await this.#signerOf(state.placeholder), certificateDer: undefined };
      case "pending":
        return {
          signer: pendingKeySigner(this.#options.client.vaultUrl, certificateName, state.operation.csr),
          certificateDer: undefined,
        };
    }
  }

  /** Step 1: the key placeholder, completed by Key Vault; returns the signer on its key. */
  async createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner> {
    const certificateName = this.#options.certificateNames[name];
    const { client } = this.#options;
    // Key Vault would happily add a version; CA material is never replaced, so refuse first.
    if ((await this.#state(certificateName)).kind !== "absent") {
      throw new Error(`Key Vault certificate ${certificateName} already exists; not creating another key`);
    }
    await client.createCertificate(certificateName, {
      issuer: "Self",
      subject: `CN=${certificateName} key placeholder`,
      key: this.#keySpec(algorithm),
      reuseKey: false,
      keyUsage: ["digitalSignature"],
      validityMonths: PLACEHOLDER_VALIDITY_MONTHS,
      tags: { ...KEY_PLACEHOLDER_TAGS },
    });
    await client.waitForOperation(certificateName);
    const created = await this.#state(certificateName);
    if (created.kind !== "placeholder") {
      throw new Error(`Key Vault did not complete the key placeholder of certificate ${certificateName}`);
    }
    return this.#signerOf(created.placeholder);
  }

  /**
   * Step 2: a version with `reuse_key`, completed by merging `certificateDer`. Returns the signer
   * that serves the certificate from now on: the key of the merged version.
   */
  async saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<CaSigner> {
    const certificateName = this.#options.certificateNames[name];
    const certificate = new x509.X509Certificate(certificateDer);
    const operation = await this.#operationFor(certificateName, certificate);
    const csrKey = new x509.Pkcs10CertificateRequest(operation.csr).publicKey.rawData;
    if (!sameBytes(csrKey, certificate.publicKey.rawData)) {
      throw new Error(
        `the pending version of Key Vault certificate ${certificateName} is not for the key of the certificate to merge; delete its pending operation and run init again`,
      );
    }
    return this.#signerOf(await this.#options.client.mergeCertificate(certificateName, certificateDer));
  }

  async nextKey(name: "intermediate", algorithm: KeyAlgorithm): Promise<CaSigner> {
    const certificateName = this.#options.certificateNames[name];
    const { client } = this.#options;
    const state = await this.#state(certificateName);
    if (state.kind !== "certified") {
      throw new Error(`Key Vault certificate ${certificateName} has no certificate to replace`);
    }
    let operation = await client.getPendingOperation(certificateName);
    if (operation === undefined) {
      await client.createCertificate(certificateName, {
        issuer: "Unknown",
        subject: new x509.X509Certificate(state.certificate.certificateDer).subject,
        key: this.#keySpec(algorithm),
        reuseKey: false,
        keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
      });
      operation = await client.getPendingOperation(certificateName);
    }
    if (operation?.issuer.toLowerCase() !== "unknown") {
      throw new Error(`Key Vault certificate ${certificateName} has no pending version to merge into`);
    }
    return pendingKeySigner(
      client.vaultUrl,
      certificateName,
      operation.csr,
      `the next key of Key Vault certificate ${certificateName} signs only once its certificate is merged`,
    );
  }

  async promoteNextKey(name: "intermediate", certificateDer: Uint8Array): Promise<PromotedKey> {
    const certificateName = this.#options.certificateNames[name];
    const { client } = this.#options;
    const operation = await client.getPendingOperation(certificateName);
    const current = await client.getCertificate(certificateName);
    if (operation === undefined) {
      // Merged already (a retry after it succeeded): nothing to do.
      if (current && sameBytes(current.certificateDer, certificateDer)) {
        return { signer: await this.#signerOf(current), replacedKeyRef: undefined };
      }
      throw new Error(`Key Vault certificate ${certificateName} has no pending version to merge into`);
    }
    const csrKey = new x509.Pkcs10CertificateRequest(operation.csr).publicKey.rawData;
    if (!sameBytes(csrKey, new x509.X509Certificate(certificateDer).publicKey.rawData)) {
      throw new Error(
        `the certificate to promote is not for the pending key of Key Vault certificate ${certificateName}`,
      );
    }
    const replacedKeyRef = current && (await client.getKey(current.keyName, current.keyVersion)).id;
    return {
      signer: await this.#signerOf(await client.mergeCertificate(certificateName, certificateDer)),
      replacedKeyRef,
    };
  }

  async disableReplacedKeys(name: "intermediate"): Promise<string[]> {
    const certificateName = this.#options.certificateNames[name];
    const current = await this.#options.client.getCertificate(certificateName);
    if (current === undefined) return [];
    return this.#options.client.disableOtherVersions(certificateName, current.keyVersion);
  }

  /** Reachability, see {@link ReadinessProbe}; throws a CaError whose message says why. */
  check(): Promise<void> {
    return this.#readiness.check();
  }

  /** The operation the certificate will be merged into, started when the placeholder has none yet. */
  async #operationFor(certificateName: string, certificate: x509.X509Certificate): Promise<VaultOperation> {
    const state = await this.#state(certificateName);
    switch (state.kind) {
      case "certified":
        throw new Error(
          `Key Vault certificate ${certificateName} already has a certificate; never overwritten`,
        );
      case "absent":
        throw new Error(`Key Vault certificate ${certificateName} has no key to certify yet`);
      case "pending":
        return state.operation;
      case "placeholder": {
        if (state.operation) return state.operation;
        const placeholderKey = new x509.X509Certificate(state.placeholder.certificateDer).publicKey.rawData;
        if (!sameBytes(placeholderKey, certificate.publicKey.rawData)) {
          throw new Error(
            `the certificate to save is not for the key of Key Vault certificate ${certificateName}`,
          );
        }
        const spki = new Uint8Array(certificate.publicKey.rawData);
        await this.#options.client.createCertificate(certificateName, {
          issuer: "Unknown",
          subject: certificate.subject,
          key: this.#keySpec(classifyPublicKey(spki)),
          reuseKey: true,
          // Usages that grant the key `sign`; the certificate merged carries the CA's own.
          keyUsage: ["digitalSignature", "keyCertSign", "cRLSign"],
        });
        const started = await this.#options.client.getPendingOperation(certificateName);
        if (!started)
          throw new Error(`Key Vault certificate ${certificateName} has no pending operation after create`);
        return started;
      }
    }
  }

  #state(certificateName: string): Promise<CertificateState> {
    return readCertificateState(this.#options.client, certificateName);
  }

  async #signerOf(certificate: VaultCertificate): Promise<CaSigner> {
    const key = await this.#options.client.getKey(certificate.keyName, certificate.keyVersion);
    return keyVaultSigner(key, {
      client: this.#options.client,
      limit: this.#limit,
      policy: this.#policy,
      metrics: this.#options.metrics,
    });
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

import { createPrivateKey, createPublicKey, sign, webcrypto } from "node:crypto";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import { writeNewFile } from "@edge-pki/host-kit/private-files";
import { CaError } from "../../core/errors.js";
import {
  classifyPublicKey,
  type KeyAlgorithm,
  keyGenParamsFor,
  signatureAlgorithmFor,
} from "../../core/key-algorithms.js";
import { x509 } from "../../core/x509.js";
import { decryptPrivateKey, encryptPrivateKey } from "../../crypto/encrypted-private-key.js";
import type { CaKeyStore, CaName, CaSigner, StoredCa } from "../../ports/ca-key-store.js";
import { readIfPresent } from "../fs/read-if-present.js";

/**
 * The embedded default: each CA key is an encrypted PKCS#8 PEM (PBES2, a key derived from the
 * passphrase; 0600, under `keys/`; `openssl pkey` opens it), its certificate a PEM under `ca/`.
 * A loaded key becomes a KeyObject held only by its signer.
 */
export class LocalFileKeyStore implements CaKeyStore {
  readonly kind = "local";

  constructor(
    private readonly dataDir: string,
    private readonly passphrase: string,
  ) {}

  async load(name: CaName): Promise<StoredCa | undefined> {
    const encrypted = await readIfPresent(this.keyPath(name));
    const pem = await readIfPresent(this.certificatePath(name));
    if (encrypted === undefined) {
      if (pem === undefined) return undefined;
      // Creating a new key would orphan the certificate and every certificate it signed.
      throw new CaError(
        "ca_material_invalid",
        `the ${name} certificate exists but its key ${this.keyFile(name)} is missing: restore it from a backup`,
      );
    }
    const key = decryptPrivateKey(encrypted.toString("utf8"), this.passphrase, name);
    const pkcs8 = key.export({ format: "der", type: "pkcs8" });
    try {
      const signer = await importSigner(pkcs8, this.keyFile(name));
      return {
        signer,
        certificateDer:
          pem === undefined
            ? undefined
            : new Uint8Array(new x509.X509Certificate(pem.toString("utf8")).rawData),
      };
    } finally {
      pkcs8.fill(0);
    }
  }

  async createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner> {
    const pair = (await webcrypto.subtle.generateKey(keyGenParamsFor(algorithm), true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
    try {
      await writeNewFile(this.keyPath(name), encryptPrivateKey(pkcs8, this.passphrase), 0o600);
      return await importSigner(pkcs8, this.keyFile(name));
    } finally {
      pkcs8.fill(0);
    }
  }

  /** The key file does not change, so neither does its signer: returns undefined. */
  async saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<undefined> {
    await writeNewFile(
      this.certificatePath(name),
      new x509.X509Certificate(certificateDer).toString("pem"),
      0o644,
    );
    return undefined;
  }

  async check(): Promise<void> {
    await access(join(this.dataDir, "keys"), constants.R_OK);
  }

  private keyFile(name: CaName): string {
    return `keys/${name}.key.pem`;
  }

  private keyPath(name: CaName): string {
    return join(this.dataDir, this.keyFile(name));
  }

  private certificatePath(name: CaName): string {
    return join(this.dataDir, "ca", `${name}.pem`);
  }
}

/**
 * The key is imported once, as a KeyObject that stays inside the signer; each signature is one
 * synchronous node:crypto call (no WebCrypto promise job, no key import per certificate).
 */
async function importSigner(pkcs8: Buffer, keyRef: string): Promise<CaSigner> {
  const privateKey = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" });
  const publicKeySpki = new Uint8Array(createPublicKey(privateKey).export({ format: "der", type: "spki" }));
  const keyAlgorithm = classifyPublicKey(publicKeySpki);
  const signatureAlgorithm = signatureAlgorithmFor(keyAlgorithm);
  return {
    keyRef,
    keyAlgorithm,
    signatureAlgorithm,
    publicKeySpki,
    sign: async (data) =>
      new Uint8Array(sign(signatureAlgorithm.hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
  };
}

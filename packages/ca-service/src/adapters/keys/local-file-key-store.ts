import { createPrivateKey, createPublicKey, sign, webcrypto } from "node:crypto";
import { access, constants, rename, rm } from "node:fs/promises";
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
import type { CaKeyStore, CaName, CaSigner, PromotedKey, StoredCa } from "../../ports/ca-key-store.js";
import { readIfPresent } from "../fs/read-if-present.js";
import { sameBytes } from "./same-bytes.js";

/**
 * The embedded default: each CA key is an encrypted PKCS#8 PEM (PBES2, a key derived from the
 * passphrase; 0600, under `keys/`; `openssl pkey` opens it), its certificate a PEM under `ca/`.
 * A loaded key becomes a KeyObject held only by its signer.
 *
 * Replacing the intermediate: its next key waits in `keys/intermediate.next.key.pem`; promotion
 * writes the new certificate to `ca/intermediate.next.pem`, copies the current key and certificate
 * to `keys/retired/` and `ca/retired/` (named by serial number), then renames the key, and the
 * certificate last. Each rename is atomic; between the two, the staged certificate without a next
 * key says the key has moved, and `load` completes the move, so a crash leaves either the old pair
 * or the new one, never a key with another key's certificate.
 */
export class LocalFileKeyStore implements CaKeyStore {
  readonly kind = "local";

  constructor(
    private readonly dataDir: string,
    private readonly passphrase: string,
  ) {}

  async load(name: CaName): Promise<StoredCa | undefined> {
    await this.finishInterruptedPromotion(name);
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
    return {
      signer: await this.decryptSigner(encrypted, name, this.keyFile(name)),
      certificateDer:
        pem === undefined
          ? undefined
          : new Uint8Array(new x509.X509Certificate(pem.toString("utf8")).rawData),
    };
  }

  async createKey(name: CaName, algorithm: KeyAlgorithm): Promise<CaSigner> {
    return this.writeNewKey(this.keyFile(name), algorithm);
  }

  async nextKey(name: "intermediate", algorithm: KeyAlgorithm): Promise<CaSigner> {
    const file = this.nextKeyFile(name);
    const existing = await readIfPresent(join(this.dataDir, file));
    if (existing !== undefined) return this.decryptSigner(existing, name, file);
    return this.writeNewKey(file, algorithm);
  }

  async promoteNextKey(name: "intermediate", certificateDer: Uint8Array): Promise<PromotedKey> {
    const certificate = new x509.X509Certificate(certificateDer);
    const nextKey = await readIfPresent(join(this.dataDir, this.nextKeyFile(name)));
    if (nextKey === undefined) {
      const current = await this.load(name);
      // Promoted already (a retry after it succeeded): nothing to do.
      if (current?.certificateDer && sameBytes(current.certificateDer, certificateDer)) {
        return { signer: current.signer, replacedKeyRef: undefined };
      }
      throw new Error(`there is no next ${name} key to promote`);
    }
    const next = await this.decryptSigner(nextKey, name, this.nextKeyFile(name));
    if (!sameBytes(next.publicKeySpki, certificate.publicKey.rawData)) {
      throw new Error(`the certificate to promote is not for the next ${name} key`);
    }
    // A staged certificate left by a run that stopped before moving the key is for this same key.
    await rm(this.stagedCertificatePath(name), { force: true });
    await writeNewFile(this.stagedCertificatePath(name), certificate.toString("pem"), 0o644);
    const replacedKeyRef = await this.archiveCurrent(name);
    await rename(join(this.dataDir, this.nextKeyFile(name)), this.keyPath(name));
    await this.finishInterruptedPromotion(name);
    const promoted = await this.load(name);
    if (promoted === undefined) throw new Error(`the ${name} key vanished while it was promoted`);
    return { signer: promoted.signer, replacedKeyRef };
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

  /** The archived key files stay as they are (0600, encrypted with the passphrase): see docs/operations.md. */
  async disableReplacedKeys(_name: "intermediate"): Promise<string[]> {
    return [];
  }

  async check(): Promise<void> {
    await access(join(this.dataDir, "keys"), constants.R_OK);
  }

  private async decryptSigner(encrypted: Buffer, name: CaName, file: string): Promise<CaSigner> {
    const pkcs8 = decryptPrivateKey(encrypted.toString("utf8"), this.passphrase, name).export({
      format: "der",
      type: "pkcs8",
    });
    try {
      return await importSigner(pkcs8, file);
    } finally {
      pkcs8.fill(0);
    }
  }

  private async writeNewKey(file: string, algorithm: KeyAlgorithm): Promise<CaSigner> {
    const pair = (await webcrypto.subtle.generateKey(keyGenParamsFor(algorithm), true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", pair.privateKey));
    try {
      await writeNewFile(join(this.dataDir, file), encryptPrivateKey(pkcs8, this.passphrase), 0o600);
      return await importSigner(pkcs8, file);
    } finally {
      pkcs8.fill(0);
    }
  }

  /** Copies the current key and certificate under `retired/`, named by the certificate's serial number. */
  private async archiveCurrent(name: CaName): Promise<string> {
    const [key, pem] = await Promise.all([
      readIfPresent(this.keyPath(name)),
      readIfPresent(this.certificatePath(name)),
    ]);
    if (key === undefined || pem === undefined) throw new Error(`there is no current ${name} to replace`);
    const serial = new x509.X509Certificate(pem.toString("utf8")).serialNumber.toLowerCase();
    const keyFile = `keys/retired/${name}-${serial}.key.pem`;
    await keepCopy(join(this.dataDir, keyFile), key, 0o600);
    await keepCopy(join(this.dataDir, "ca", "retired", `${name}-${serial}.pem`), pem, 0o644);
    return keyFile;
  }

  /**
   * A staged certificate without a next key: the key was moved into place and the certificate must
   * follow. Any process that sees this state may finish it; rename is atomic, so one of them does.
   */
  private async finishInterruptedPromotion(name: CaName): Promise<void> {
    const staged = this.stagedCertificatePath(name);
    if ((await readIfPresent(staged)) === undefined) return;
    if ((await readIfPresent(join(this.dataDir, this.nextKeyFile(name)))) !== undefined) return;
    await rename(staged, this.certificatePath(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOENT") throw error;
    });
  }

  private keyFile(name: CaName): string {
    return `keys/${name}.key.pem`;
  }

  private nextKeyFile(name: CaName): string {
    return `keys/${name}.next.key.pem`;
  }

  private stagedCertificatePath(name: CaName): string {
    return join(this.dataDir, "ca", `${name}.next.pem`);
  }

  private keyPath(name: CaName): string {
    return join(this.dataDir, this.keyFile(name));
  }

  private certificatePath(name: CaName): string {
    return join(this.dataDir, "ca", `${name}.pem`);
  }
}

/** Writes a copy unless an earlier run already did (the name, by serial number, says it is the same). */
async function keepCopy(path: string, content: Buffer, mode: number): Promise<void> {
  await writeNewFile(path, content, mode).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EEXIST") throw error;
  });
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
    signsInProcess: true,
    sign: async (data) =>
      new Uint8Array(sign(signatureAlgorithm.hash, data, { key: privateKey, dsaEncoding: "ieee-p1363" })),
  };
}

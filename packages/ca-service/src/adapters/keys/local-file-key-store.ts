import { createPrivateKey, createPublicKey, webcrypto } from "node:crypto";
import { access, constants } from "node:fs/promises";
import { join } from "node:path";
import {
  classifyPublicKey,
  type KeyAlgorithm,
  keyGenParamsFor,
  signatureAlgorithmFor,
} from "../../core/key-algorithms.js";
import { x509 } from "../../core/x509.js";
import type { CaKeyStore, CaName, CaSigner, StoredCa } from "../../ports/ca-key-store.js";
import { readIfPresent } from "../fs/read-if-present.js";
import { writeNewFile } from "../fs/write-new-file.js";
import { type KeyEnvelope, openKey, sealKey } from "./key-envelope.js";

/**
 * The embedded default: each CA key is a PKCS#8 file sealed with the passphrase (0600, under
 * `keys/`), its certificate a PEM under `ca/`. A loaded key becomes a non-extractable CryptoKey.
 */
export class LocalFileKeyStore implements CaKeyStore {
  readonly kind = "local";

  constructor(
    private readonly dataDir: string,
    private readonly passphrase: string,
  ) {}

  async load(name: CaName): Promise<StoredCa | undefined> {
    const envelope = await readIfPresent(this.keyPath(name));
    if (envelope === undefined) return undefined;
    const pkcs8 = await openKey(JSON.parse(envelope.toString("utf8")) as KeyEnvelope, this.passphrase, name);
    try {
      const signer = await importSigner(pkcs8, this.keyFile(name));
      const pem = await readIfPresent(this.certificatePath(name));
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
      const envelope = await sealKey(pkcs8, this.passphrase, name);
      await writeNewFile(this.keyPath(name), `${JSON.stringify(envelope, null, 2)}\n`, 0o600);
      return await importSigner(pkcs8, this.keyFile(name));
    } finally {
      pkcs8.fill(0);
    }
  }

  async saveCertificate(name: CaName, certificateDer: Uint8Array): Promise<void> {
    await writeNewFile(
      this.certificatePath(name),
      new x509.X509Certificate(certificateDer).toString("pem"),
      0o644,
    );
  }

  async check(): Promise<void> {
    await access(join(this.dataDir, "keys"), constants.R_OK);
  }

  private keyFile(name: CaName): string {
    return `keys/${name}.key.json`;
  }

  private keyPath(name: CaName): string {
    return join(this.dataDir, this.keyFile(name));
  }

  private certificatePath(name: CaName): string {
    return join(this.dataDir, "ca", `${name}.pem`);
  }
}

async function importSigner(pkcs8: Buffer, keyRef: string): Promise<CaSigner> {
  const publicKeySpki = new Uint8Array(
    createPublicKey(createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" })).export({
      format: "der",
      type: "spki",
    }),
  );
  const keyAlgorithm = classifyPublicKey(publicKeySpki);
  const signatureAlgorithm = signatureAlgorithmFor(keyAlgorithm);
  const importParams =
    signatureAlgorithm.name === "ECDSA"
      ? { name: "ECDSA", namedCurve: signatureAlgorithm.namedCurve }
      : { name: signatureAlgorithm.name, hash: signatureAlgorithm.hash };
  const privateKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, importParams, false, ["sign"]);
  const signParams = { name: signatureAlgorithm.name, hash: signatureAlgorithm.hash };
  return {
    keyRef,
    keyAlgorithm,
    signatureAlgorithm,
    publicKeySpki,
    sign: async (data) => new Uint8Array(await webcrypto.subtle.sign(signParams, privateKey, data)),
  };
}

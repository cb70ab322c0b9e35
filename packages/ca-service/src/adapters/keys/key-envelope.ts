import { createCipheriv, createDecipheriv, randomBytes, scrypt } from "node:crypto";
import { promisify } from "node:util";

const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** scrypt cost: ~32 MiB and tens of milliseconds, paid once per key load at start-up. */
const KDF = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/** A private key encrypted at rest with a key derived from the passphrase. */
export interface KeyEnvelope {
  version: 1;
  kdf: "scrypt";
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: "aes-256-gcm";
  iv: string;
  tag: string;
  ciphertext: string;
}

/**
 * Encrypts with AES-256-GCM. `label` is bound in as associated data, so a root key file renamed to
 * the intermediate's name fails to decrypt instead of silently signing as the wrong CA.
 */
export async function sealKey(
  plaintext: Uint8Array,
  passphrase: string,
  label: string,
): Promise<KeyEnvelope> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await scryptAsync(passphrase, salt, 32, KDF);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(label));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  return {
    version: 1,
    kdf: "scrypt",
    N: KDF.N,
    r: KDF.r,
    p: KDF.p,
    salt: salt.toString("base64"),
    cipher: "aes-256-gcm",
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    ciphertext: ciphertext.toString("base64"),
  };
}

export class WrongPassphraseError extends Error {
  override readonly name = "WrongPassphraseError";
}

export async function openKey(envelope: KeyEnvelope, passphrase: string, label: string): Promise<Buffer> {
  if (envelope.version !== 1 || envelope.kdf !== "scrypt" || envelope.cipher !== "aes-256-gcm") {
    throw new Error("unsupported key file format");
  }
  const key = await scryptAsync(passphrase, Buffer.from(envelope.salt, "base64"), 32, {
    ...KDF,
    N: envelope.N,
    r: envelope.r,
    p: envelope.p,
  });
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(envelope.iv, "base64"));
  decipher.setAAD(Buffer.from(label));
  decipher.setAuthTag(Buffer.from(envelope.tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, "base64")), decipher.final()]);
  } catch {
    throw new WrongPassphraseError(
      `cannot decrypt the ${label} key: wrong EDGE_PKI_KEY_PASSPHRASE, or the key file was altered`,
    );
  } finally {
    key.fill(0);
  }
}

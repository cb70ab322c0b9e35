import { createPrivateKey, type KeyObject } from "node:crypto";
import { algorithm, octets, pbes2Encrypt, sequence } from "@edge-pki/host-kit/pkcs";
import type { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { x509 } from "../core/x509.js";

/**
 * OWASP's 2023 figure for PBKDF2-HMAC-SHA256. Paid once per key load at start-up; OpenSSL's
 * default of 2048 (what Node's own encrypted export uses) is far too cheap to guess against.
 */
const KEY_FILE_ITERATIONS = 600_000;

const encodeEncryptedPrivateKeyInfo = sequence<{
  encryptionAlgorithm: AlgorithmIdentifier;
  encryptedData: ArrayBuffer;
}>({ encryptionAlgorithm: algorithm, encryptedData: octets });

/**
 * A PKCS#8 `ENCRYPTED PRIVATE KEY` PEM (PBES2), which `openssl pkey -in key.pem` opens with the
 * passphrase: a standard file an operator can back up, escrow or inspect.
 */
export function encryptPrivateKey(pkcs8: Uint8Array, passphrase: string): string {
  const { algorithm: encryptionAlgorithm, ciphertext } = pbes2Encrypt(pkcs8, passphrase, KEY_FILE_ITERATIONS);
  const der = encodeEncryptedPrivateKeyInfo({
    encryptionAlgorithm,
    encryptedData: new Uint8Array(ciphertext).buffer,
  });
  return `${x509.PemConverter.encode(der, "ENCRYPTED PRIVATE KEY")}\n`;
}

export class WrongPassphraseError extends Error {
  override readonly name = "WrongPassphraseError";
}

/** Decrypts with OpenSSL (through Node), which also checks the structure. */
export function decryptPrivateKey(pem: string, passphrase: string, label: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem", passphrase });
  } catch (cause) {
    throw new WrongPassphraseError(
      `cannot decrypt the ${label} key: wrong EDGE_PKI_KEY_PASSPHRASE, or the key file was altered`,
      { cause },
    );
  }
}

import { createCipheriv, pbkdf2Sync, randomBytes } from "node:crypto";
import { AsnConvert, OctetString } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";
import { algorithm, integer, octets, sequence } from "./der-sequence.js";

const OID = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacWithSha256: "1.2.840.113549.2.9",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
} as const;

/** Readers accept any salt length; 16 bytes is NIST SP 800-132's minimum for PBKDF2. */
const SALT_BYTES = 16;

const encodePbes2Params = sequence<{
  keyDerivationFunc: AlgorithmIdentifier;
  encryptionScheme: AlgorithmIdentifier;
}>({ keyDerivationFunc: algorithm, encryptionScheme: algorithm });
const encodePbkdf2Params = sequence<{ salt: ArrayBuffer; iterationCount: number; prf: AlgorithmIdentifier }>({
  salt: octets,
  iterationCount: integer,
  prf: algorithm,
});

export interface Pbes2Ciphertext {
  /** The PBES2 AlgorithmIdentifier a reader needs to decrypt (salt, iterations, IV). */
  algorithm: AlgorithmIdentifier;
  ciphertext: Uint8Array;
}

/**
 * PBES2 (RFC 8018) with PBKDF2-HMAC-SHA256 and AES-256-CBC, as OpenSSL 3 writes by default, so that
 * `openssl pkcs12` and `openssl pkey` read the result. PBES2 feeds the password to PBKDF2 as UTF-8.
 */
export function pbes2Encrypt(plaintext: Uint8Array, password: string, iterations: number): Pbes2Ciphertext {
  const salt = randomBytes(SALT_BYTES);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  key.fill(0);
  const pbes2 = new AlgorithmIdentifier({
    algorithm: OID.pbes2,
    parameters: encodePbes2Params({
      keyDerivationFunc: new AlgorithmIdentifier({
        algorithm: OID.pbkdf2,
        parameters: encodePbkdf2Params({
          salt: new Uint8Array(salt).buffer,
          iterationCount: iterations,
          prf: new AlgorithmIdentifier({ algorithm: OID.hmacWithSha256, parameters: null }),
        }),
      }),
      encryptionScheme: new AlgorithmIdentifier({
        algorithm: OID.aes256Cbc,
        parameters: AsnConvert.serialize(new OctetString(iv)),
      }),
    }),
  });
  return { algorithm: pbes2, ciphertext: new Uint8Array(ciphertext) };
}

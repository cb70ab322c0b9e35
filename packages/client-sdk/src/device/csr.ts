import { createHash, type KeyObject, sign } from "node:crypto";
import { promisify } from "node:util";
import {
  bitString,
  contextConstructed,
  NULL,
  objectIdentifier,
  sequence,
  set,
  smallInteger,
  utf8String,
} from "./der.js";
import { type DeviceKeyAlgorithm, signingSuiteOf } from "./key-algorithm.js";
import { toPem } from "./pem.js";

const signAsync = promisify(sign);

const COMMON_NAME = objectIdentifier("2.5.4.3");

/** The CSR's signatureAlgorithm: ECDSA with SHA-256/384 (no parameters), RSA PKCS#1 v1.5 with SHA-256. */
const SIGNATURE_ALGORITHMS: Record<DeviceKeyAlgorithm, Buffer> = {
  ECDSA_P256: sequence(objectIdentifier("1.2.840.10045.4.3.2")),
  ECDSA_P384: sequence(objectIdentifier("1.2.840.10045.4.3.3")),
  RSA_2048: sequence(objectIdentifier("1.2.840.113549.1.1.11"), NULL),
};

/** A PKCS#10 request, as DER and PEM. */
export interface CertificateSigningRequest {
  der: Buffer;
  pem: string;
}

/**
 * Builds and signs a PKCS#10 request (RFC 2986) whose subject is exactly `CN=<deviceId>` (a
 * UTF8String) and which has no attributes: the service takes only the public key and the CN.
 *
 * @example
 * ```ts
 * const key = await generateDeviceKey();
 * const csr = await buildCsr("line7-0001", key);
 * await client.issueCertificate({ csr: csr.pem });
 * ```
 */
export async function buildCsr(
  deviceId: string,
  key: { algorithm: DeviceKeyAlgorithm; privateKey: KeyObject; publicKey: KeyObject },
): Promise<CertificateSigningRequest> {
  const info = sequence(
    smallInteger(0),
    sequence(set(sequence(COMMON_NAME, utf8String(deviceId)))),
    key.publicKey.export({ type: "spki", format: "der" }),
    contextConstructed(0),
  );
  // ECDSA signatures from node:crypto are DER already, as X.509 wants them. An ECDSA signature takes
  // microseconds, less than handing the key to libuv's pool; RSA's takes a millisecond: off the thread.
  const { hash } = signingSuiteOf(key.algorithm);
  const signature =
    key.algorithm === "RSA_2048"
      ? await signAsync(hash, info, key.privateKey)
      : sign(hash, info, key.privateKey);
  const der = sequence(info, SIGNATURE_ALGORITHMS[key.algorithm], bitString(signature));
  return { der, pem: toPem("CERTIFICATE REQUEST", der) };
}

/** base64url SHA-256 of a CSR's DER: the renewal proof's `csr_sha256`. */
export function csrSha256(csr: CertificateSigningRequest): string {
  return createHash("sha256").update(csr.der).digest("base64url");
}

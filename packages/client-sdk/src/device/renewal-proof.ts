import type { KeyObject } from "node:crypto";
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { type CertificateSigningRequest, csrSha256 } from "./csr.js";
import { type DeviceKeyAlgorithm, signingSuiteOf } from "./key-algorithm.js";
import { pemBlocks } from "./pem.js";

/** What the service allows between `iat` and `exp` is 300 seconds; two minutes leaves room for retries. */
const PROOF_LIFETIME_SECONDS = 120;
const RENEWAL_AUDIENCE = "edge-pki:renew";

/**
 * The proof of possession a renewal carries (docs/api.md#renewal): a compact JWS signed by the
 * current key, with the current chain in `x5c` and the new CSR's hash, single-use by its `jti`.
 */
export async function renewalProof(
  current: { algorithm: DeviceKeyAlgorithm; privateKey: KeyObject; chainPem: string },
  csr: CertificateSigningRequest,
  now: Date = new Date(),
): Promise<string> {
  const x5c = pemBlocks(current.chainPem, "CERTIFICATE")
    .slice(0, 4)
    .map((der) => der.toString("base64"));
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ csr_sha256: csrSha256(csr) })
    .setProtectedHeader({ alg: signingSuiteOf(current.algorithm).jwsAlgorithm, x5c })
    .setAudience(RENEWAL_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + PROOF_LIFETIME_SECONDS)
    .setJti(randomUUID())
    .sign(current.privateKey);
}

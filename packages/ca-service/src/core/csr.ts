import { CaError } from "./errors.js";
import { classifyPublicKey, type KeyAlgorithm } from "./key-algorithms.js";
import { x509 } from "./x509.js";

/** CSR signature algorithms we verify; SHA-1, RSA-PSS and anything exotic are refused. */
const ACCEPTED_CSR_SIGNATURES = new Set(
  ["ECDSA", "RSASSA-PKCS1-v1_5"].flatMap((name) =>
    ["SHA-256", "SHA-384", "SHA-512"].map((hash) => `${name}/${hash}`),
  ),
);

const COMMON_NAME = "2.5.4.3";

export interface VerifiedCsr {
  /** DER SubjectPublicKeyInfo: the only thing taken from the CSR into the certificate. */
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  /** The subject's CNs: normally exactly one, the device ID. */
  commonNames: string[];
  /** The request as received, DER: what a renewal proof's `csr_sha256` hashes. */
  der: Uint8Array;
}

/**
 * Parses a PEM PKCS#10 request, checks its key against the allow-list and verifies its signature
 * (proof of possession). Requested attributes and extensions are deliberately ignored.
 */
export async function verifyCsr(pem: string): Promise<VerifiedCsr> {
  const csr = parseCsr(pem);
  // The key first: "Ed25519 keys are not accepted" helps more than "its signature algorithm is not".
  const publicKeySpki = new Uint8Array(csr.publicKey.rawData);
  const keyAlgorithm = classifyPublicKey(publicKeySpki);
  const signatureAlgorithm = describeSignatureAlgorithm(csr);
  if (!ACCEPTED_CSR_SIGNATURES.has(signatureAlgorithm)) {
    throw csrError("invalid_csr", `the CSR's signature algorithm ${signatureAlgorithm} is not accepted`);
  }
  let valid = false;
  try {
    valid = await csr.verify();
  } catch (cause) {
    throw csrError("csr_signature_invalid", "the CSR's signature cannot be verified", cause);
  }
  if (!valid)
    throw csrError(
      "csr_signature_invalid",
      "the CSR's signature does not verify: proof of possession failed",
    );
  return {
    publicKeySpki,
    keyAlgorithm,
    commonNames: csr.subjectName.getField(COMMON_NAME),
    der: new Uint8Array(csr.rawData),
  };
}

function parseCsr(pem: string): x509.Pkcs10CertificateRequest {
  const blocks = pem.match(
    /-----BEGIN (NEW )?CERTIFICATE REQUEST-----[\s\S]+?-----END (NEW )?CERTIFICATE REQUEST-----/g,
  );
  if (blocks?.length !== 1) {
    throw csrError("invalid_csr", "csr must hold exactly one PEM 'CERTIFICATE REQUEST' block");
  }
  try {
    const body =
      blocks[0]?.replace(/-----(BEGIN|END) (NEW )?CERTIFICATE REQUEST-----/g, "").replace(/\s+/g, "") ?? "";
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new Error("not base64");
    return new x509.Pkcs10CertificateRequest(Buffer.from(body, "base64"));
  } catch (cause) {
    throw csrError("invalid_csr", "csr is not a valid PKCS#10 request", cause);
  }
}

function describeSignatureAlgorithm(csr: x509.Pkcs10CertificateRequest): string {
  try {
    const { name, hash } = csr.signatureAlgorithm as { name: string; hash?: string | { name: string } };
    return `${name}/${typeof hash === "string" ? hash : (hash?.name ?? "none")}`;
  } catch {
    return "unknown";
  }
}

function csrError(code: "invalid_csr" | "csr_signature_invalid", message: string, cause?: unknown): CaError {
  return new CaError(code, message, { errors: [{ field: "csr", message }], cause });
}

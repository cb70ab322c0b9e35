import { AsnConvert } from "@peculiar/asn1-schema";
import { Name } from "@peculiar/asn1-x509";
import { CaError } from "./errors.js";
import { canonicalPublicKey, classifyPublicKey, type KeyAlgorithm } from "./key-algorithms.js";
import { x509 } from "./x509.js";

/** CSR signature algorithms we verify; SHA-1, RSA-PSS and anything exotic are refused. */
const ACCEPTED_CSR_SIGNATURES = new Set(
  ["ECDSA", "RSASSA-PKCS1-v1_5"].flatMap((name) =>
    ["SHA-256", "SHA-384", "SHA-512"].map((hash) => `${name}/${hash}`),
  ),
);

const COMMON_NAME = "2.5.4.3";

export interface VerifiedCsr {
  /**
   * DER SubjectPublicKeyInfo: the only thing taken from the CSR into the certificate; an EC point
   * in uncompressed form (see `canonicalPublicKey`).
   */
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  /** The subject's CNs: normally exactly one, the device ID. */
  commonNames: string[];
  /** The request as received, DER: what a renewal proof's `csr_sha256` hashes. */
  der: Uint8Array;
}

/**
 * Parses a PKCS#10 request (PEM text, or DER bytes), checks its key against the allow-list and
 * verifies its signature (proof of possession). Requested attributes and extensions are
 * deliberately ignored.
 */
export async function verifyCsr(request: string | Uint8Array): Promise<VerifiedCsr> {
  const csr = parseCsr(typeof request === "string" ? derOfPem(request) : request);
  // The key first: "Ed25519 keys are not accepted" helps more than "its signature algorithm is not".
  const requestedSpki = new Uint8Array(csr.publicKey.rawData);
  const keyAlgorithm = classifyPublicKey(requestedSpki);
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
  assertCommonNamesAreText(csr.subjectName);
  return {
    publicKeySpki: canonicalPublicKey(requestedSpki),
    keyAlgorithm,
    commonNames: csr.subjectName.getField(COMMON_NAME),
    der: new Uint8Array(csr.rawData),
  };
}

/**
 * A CN is text. DER would let a CSR put an INTEGER or raw bytes there, which a reader renders as hex
 * that merely looks like a device ID; DirectoryString's choices (and IA5String, which some tools
 * use) are the text a registration ID can be.
 */
function assertCommonNamesAreText(subject: x509.Name): void {
  const name = AsnConvert.parse(subject.toArrayBuffer(), Name);
  for (const attribute of name.flat()) {
    if (attribute.type !== COMMON_NAME) continue;
    const { value } = attribute;
    const text = [
      value.utf8String,
      value.printableString,
      value.ia5String,
      value.bmpString,
      value.universalString,
      value.teletexString,
    ];
    if (text.every((choice) => choice === undefined)) {
      throw csrError("invalid_csr", "the CSR's CN is not a text string (UTF8String or PrintableString)");
    }
  }
}

/** One PEM block whose END label matches its BEGIN label (`NEW ` is the old Netscape spelling). */
const CSR_BLOCK = /-----BEGIN ((?:NEW )?CERTIFICATE REQUEST)-----([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

function derOfPem(pem: string): Uint8Array {
  const blocks = [...pem.matchAll(CSR_BLOCK)];
  if (blocks.length !== 1 || pem.split("-----BEGIN").length !== 2) {
    throw csrError("invalid_csr", "csr must hold exactly one PEM 'CERTIFICATE REQUEST' block");
  }
  return Buffer.from((blocks[0]?.[2] ?? "").replace(/\s+/g, ""), "base64");
}

function parseCsr(der: Uint8Array): x509.Pkcs10CertificateRequest {
  // Bytes after the request would be carried along unverified; a strict DER reader refuses them.
  if (der.length === 0 || encodedLength(der) !== der.length) {
    throw csrError(
      "invalid_csr",
      "csr is not a valid PKCS#10 request: its DER has a wrong length or trailing bytes",
    );
  }
  try {
    return new x509.Pkcs10CertificateRequest(der);
  } catch (cause) {
    throw csrError("invalid_csr", "csr is not a valid PKCS#10 request", cause);
  }
}

/** The length of the DER element at the start of `der` (tag, length and contents), or -1. */
function encodedLength(der: Uint8Array): number {
  const first = der[1];
  if (first === undefined) return -1;
  if (first < 0x80) return 2 + first;
  const octets = first & 0x7f;
  if (octets === 0 || octets > 4 || der.length < 2 + octets) return -1;
  let length = 0;
  for (let i = 0; i < octets; i++) length = length * 256 + (der[2 + i] ?? 0);
  return 2 + octets + length;
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

import { type KeyObject, verify } from "node:crypto";
import { AsnConvert } from "@peculiar/asn1-schema";
import { Name } from "@peculiar/asn1-x509";
import { CaError } from "./errors.js";
import { canonicalPublicKey, importAllowedPublicKey, type KeyAlgorithm } from "./key-algorithms.js";
import { type CsrFields, readPlainCsr } from "./plain-csr.js";
import { type DerElement, parseStrictDer } from "./strict-der.js";
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
  const der = typeof request === "string" ? derOfPem(request) : request;
  const structure = strictStructureOf(der);
  const plain = readPlainCsr(der, structure);
  const { requestedSpki, signatureAlgorithm, commonNames } =
    plain === undefined ? readCsrWithLibrary(der) : { ...plain, commonNames: () => plain.commonNames };
  // The key first: "Ed25519 keys are not accepted" helps more than "its signature algorithm is not".
  const { key, algorithm: keyAlgorithm } = importAllowedPublicKey(requestedSpki);
  if (!ACCEPTED_CSR_SIGNATURES.has(signatureAlgorithm)) {
    throw csrError("invalid_csr", `the CSR's signature algorithm ${signatureAlgorithm} is not accepted`);
  }
  assertSignatureIsDer(der, structure, signatureAlgorithm);
  if (!signatureVerifies(der, structure, key, signatureAlgorithm)) {
    throw csrError(
      "csr_signature_invalid",
      "the CSR's signature does not verify: proof of possession failed",
    );
  }
  return {
    publicKeySpki: canonicalPublicKey(requestedSpki, key),
    keyAlgorithm,
    commonNames: commonNames(),
    der: new Uint8Array(der),
  };
}

/**
 * Any request the plain reader leaves (see `readPlainCsr`), read by @peculiar/x509. The CNs are
 * read last, once the signature verified, so that a forged request hears of its signature first.
 */
export function readCsrWithLibrary(
  der: Uint8Array,
): Omit<CsrFields, "commonNames"> & { commonNames(): string[] } {
  const csr = parseCsr(der);
  return {
    requestedSpki: publicKeyOf(csr),
    signatureAlgorithm: describeSignatureAlgorithm(csr),
    commonNames: () => commonNamesOf(csr),
  };
}

/**
 * The CSR's shape, read by a strict DER reader: a SEQUENCE of the request info, the signature
 * algorithm and the signature, with every length adding up. Bytes after the request would be
 * carried along unverified, and an element running past its container would let the library read
 * other fields than the signature covers.
 */
function strictStructureOf(der: Uint8Array): DerElement {
  let structure: DerElement;
  try {
    structure = parseStrictDer(der);
  } catch (cause) {
    throw csrError("invalid_csr", `csr is not a valid PKCS#10 request: ${(cause as Error).message}`, cause);
  }
  if (structure.tag !== 0x30 || structure.children?.length !== 3) {
    throw csrError("invalid_csr", "csr is not a valid PKCS#10 request: not a SEQUENCE of three elements");
  }
  return structure;
}

/** The library reads the key's inner structure only when asked: a key it cannot read is bad input. */
function publicKeyOf(csr: x509.Pkcs10CertificateRequest): Uint8Array {
  try {
    return new Uint8Array(csr.publicKey.rawData);
  } catch (cause) {
    throw csrError("invalid_csr", "the CSR's public key cannot be read", cause);
  }
}

/**
 * The proof of possession, checked with node:crypto and the key already imported: the signature
 * over the request info exactly as received (the strict reader located it). The algorithm's
 * family must be the key's; node:crypto would otherwise pick the scheme from the key alone.
 */
function signatureVerifies(
  der: Uint8Array,
  structure: DerElement,
  key: KeyObject,
  signatureAlgorithm: string,
): boolean {
  const [info, , signature] = structure.children ?? [];
  const [family, hash] = signatureAlgorithm.split("/");
  if (
    info === undefined ||
    signature === undefined ||
    family !== SIGNATURE_FAMILY[key.asymmetricKeyType ?? ""]
  ) {
    throw csrError("csr_signature_invalid", "the CSR's signature cannot be verified");
  }
  try {
    return verify(
      hash,
      der.subarray(structure.contentStart, info.contentEnd),
      key,
      der.subarray(signature.contentStart + 1, signature.contentEnd),
    );
  } catch (cause) {
    throw csrError("csr_signature_invalid", "the CSR's signature cannot be verified", cause);
  }
}

const SIGNATURE_FAMILY: Record<string, string> = { ec: "ECDSA", rsa: "RSASSA-PKCS1-v1_5" };

/**
 * The signature as DER has it, as openssl insists: a BIT STRING with no unused bits and, for ECDSA,
 * a SEQUENCE of two minimally encoded INTEGERs. WebCrypto would verify some looser spellings.
 */
function assertSignatureIsDer(der: Uint8Array, structure: DerElement, signatureAlgorithm: string): void {
  const signature = structure.children?.[2];
  const refuse = (reason: string) =>
    csrError("csr_signature_invalid", `the CSR's signature is not DER: ${reason}`);
  if (
    signature?.tag !== 0x03 ||
    der[signature.contentStart] !== 0 ||
    signature.contentEnd === signature.contentStart
  ) {
    throw refuse("a signature is a BIT STRING with no unused bits");
  }
  if (!signatureAlgorithm.startsWith("ECDSA/")) return;
  let value: DerElement;
  try {
    value = parseStrictDer(der.subarray(signature.contentStart + 1, signature.contentEnd));
  } catch (cause) {
    throw refuse((cause as Error).message);
  }
  const integers = value.children ?? [];
  const offset = signature.contentStart + 1;
  const minimal = (integer: DerElement) => {
    const first = der[offset + integer.contentStart];
    const second = der[offset + integer.contentStart + 1];
    const length = integer.contentEnd - integer.contentStart;
    return (
      length > 0 &&
      !(length > 1 && first === 0 && second !== undefined && second < 0x80) &&
      (first ?? 0) < 0x80
    );
  };
  if (value.tag !== 0x30 || integers.length !== 2 || !integers.every((i) => i.tag === 0x02 && minimal(i))) {
    throw refuse("an ECDSA signature is a SEQUENCE of two minimally encoded positive INTEGERs");
  }
}

/**
 * The subject's CNs, which must be text. DER would let a CSR put an INTEGER or raw bytes there,
 * which a reader renders as hex that merely looks like a device ID; DirectoryString's choices (and
 * IA5String, which some tools use) are the text a registration ID can be. A subject the library
 * cannot even read back is bad input too.
 */
function commonNamesOf(csr: x509.Pkcs10CertificateRequest): string[] {
  let name: Name;
  let commonNames: string[];
  try {
    name = AsnConvert.parse(csr.subjectName.toArrayBuffer(), Name);
    commonNames = csr.subjectName.getField(COMMON_NAME);
  } catch (cause) {
    throw csrError("invalid_csr", "the CSR's subject cannot be read", cause);
  }
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
      throw csrError(
        "invalid_csr",
        "the CSR's CN is not a text string (such as UTF8String or PrintableString)",
      );
    }
  }
  return commonNames;
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
  try {
    return new x509.Pkcs10CertificateRequest(der);
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

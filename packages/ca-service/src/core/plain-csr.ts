import { RSA_KEY_ALGORITHM_IDENTIFIER, SIGNATURE_ALGORITHM_IDENTIFIERS } from "./algorithm-identifiers.js";
import { knownKeyDer } from "./known-key-der.js";
import { type DerElement, parseStrictDer } from "./strict-der.js";

/** What `verifyCsr` takes from a request before it checks the key and the signature. */
export interface CsrFields {
  /** The SubjectPublicKeyInfo, DER, as the x509 library re-encodes it. */
  requestedSpki: Uint8Array;
  /** WebCrypto name and hash, such as `ECDSA/SHA-256`. */
  signatureAlgorithm: string;
  commonNames: string[];
}

const SIGNATURE_ALGORITHMS = new Map(
  Object.entries(SIGNATURE_ALGORITHM_IDENTIFIERS).map(([name, hex]) => [hex, name]),
);
/** version v1 (0), as every PKCS#10 request has it. */
const VERSION_1 = "020100";
/** No attributes: no requested extensions, no challenge password. */
const NO_ATTRIBUTES = "a000";
const COMMON_NAME = "0603550403";
/** Subject attributes read here: CN, serialNumber, C, L, ST, O, OU (2.5.4.3-11); others go the general way. */
const ATTRIBUTE_TYPES = new Set(["03", "05", "06", "07", "08", "0a", "0b"].map((last) => `06035504${last}`));
const UTF8_STRING = 0x0c;
const PRINTABLE_STRING = 0x13;
/** PrintableString's alphabet (X.680 §41.4). */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
/** UTF8String values read here: printable ASCII, the alphabet of device IDs and of most names. */
const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/**
 * The hot path's CSR reader: the fields of the requests factory lines send, read from the strict
 * DER reader's tree without the general ASN.1 library, which costs more than verifying the
 * signature. It reads a request only when it has the plainest shape: version 1; a subject of
 * single-valued RDNs of common name attributes in UTF8String or PrintableString of printable ASCII;
 * a P-256, P-384 or RSA key in the encoding the library reproduces; no attributes; a signature
 * algorithm from the allow-list, spelled as RFC 5758 and RFC 4055 spell it. For anything else it
 * returns undefined and the caller reads the request with @peculiar/x509 as before.
 *
 * Every value it returns is what the library reads from the same bytes:
 * test/plain-csr.test.ts compares both on random subjects, keys and mutated requests.
 */
export function readPlainCsr(der: Uint8Array, request: DerElement): CsrFields | undefined {
  const [info, algorithm, signature] = request.children ?? [];
  if (request.tag !== 0x30 || request.children?.length !== 3 || signature?.tag !== 0x03) return undefined;
  // A signature's BIT STRING with unused bits (or none at all) is left to the library to refuse.
  if (signature.contentEnd === signature.contentStart || der[signature.contentStart] !== 0) return undefined;
  if (info?.tag !== 0x30 || algorithm === undefined) return undefined;
  const [version, subject, spki, attributes] = info.children ?? [];
  if (info.children?.length !== 4 || version === undefined || subject === undefined) return undefined;
  if (spki === undefined || attributes === undefined) return undefined;
  const bytes = (from: number, element: DerElement) => der.subarray(from, element.contentEnd);
  const hex = (from: number, element: DerElement) => Buffer.from(bytes(from, element)).toString("hex");
  // Elements follow one another: each starts where the one before it ended.
  if (hex(info.contentStart, version) !== VERSION_1) return undefined;
  if (hex(spki.contentEnd, attributes) !== NO_ATTRIBUTES) return undefined;
  const signatureAlgorithm = SIGNATURE_ALGORITHMS.get(hex(info.contentEnd, algorithm));
  if (signatureAlgorithm === undefined) return undefined;
  const requestedSpki = plainKey(bytes(subject.contentEnd, spki));
  const commonNames = plainSubject(der, subject);
  if (requestedSpki === undefined || commonNames === undefined) return undefined;
  return { requestedSpki, signatureAlgorithm, commonNames };
}

/** The key's DER when it is in the library's own spelling (and, for RSA, one it can read). */
function plainKey(spki: Uint8Array): Uint8Array | undefined {
  const key = knownKeyDer(spki);
  if (key === undefined) return undefined;
  if (RSA_KEY_ALGORITHM_IDENTIFIER.equals(key.identifier) && !isRsaPublicKey(key.bits)) return undefined;
  return spki;
}

/**
 * The library reads an RSA key's modulus and exponent as soon as it reads the key, and a key it
 * cannot read is an invalid CSR (not an unsupported key): only a well-formed RSAPublicKey is read here.
 */
function isRsaPublicKey(bits: Uint8Array): boolean {
  try {
    const key = parseStrictDer(bits);
    return key.tag === 0x30 && key.children?.length === 2 && key.children.every((part) => part.tag === 0x02);
  } catch {
    return false;
  }
}

/** The CNs, in order, of a subject of plain single-valued RDNs; undefined for any other subject. */
function plainSubject(der: Uint8Array, subject: DerElement): string[] | undefined {
  if (subject.tag !== 0x30) return undefined;
  const commonNames: string[] = [];
  for (const rdn of subject.children ?? []) {
    const [attribute] = rdn.children ?? [];
    if (rdn.tag !== 0x31 || rdn.children?.length !== 1 || attribute?.tag !== 0x30) return undefined;
    const [type, value] = attribute.children ?? [];
    if (attribute.children?.length !== 2 || type === undefined || value === undefined) return undefined;
    const typeHex = Buffer.from(der.subarray(attribute.contentStart, type.contentEnd)).toString("hex");
    if (!ATTRIBUTE_TYPES.has(typeHex)) return undefined;
    const text = Buffer.from(der.subarray(value.contentStart, value.contentEnd)).toString("latin1");
    const plain =
      (value.tag === UTF8_STRING && PLAIN_ASCII.test(text)) ||
      (value.tag === PRINTABLE_STRING && PRINTABLE.test(text));
    if (!plain) return undefined;
    if (typeHex === COMMON_NAME) commonNames.push(text);
  }
  return commonNames;
}

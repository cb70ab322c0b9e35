import { AsnConvert } from "@peculiar/asn1-schema";
import { SubjectPublicKeyInfo } from "@peculiar/asn1-x509";
import { EC_KEY_ALGORITHM_IDENTIFIERS } from "./algorithm-identifiers.js";
import { knownKeyDer } from "./known-key-der.js";

/** What the allow-list and the canonical form need from an EC key's SubjectPublicKeyInfo. */
export interface EcKeyShape {
  /** RFC 5480: the parameters of an id-ecPublicKey must be the OID of a named curve. */
  namedCurve: boolean;
  /** The point in compressed form (02 or 03 first). */
  compressedPoint: boolean;
}

const OBJECT_IDENTIFIER_TAG = 0x06;

/**
 * The shape of an EC key's SPKI. Keys in the one encoding of P-256 or P-384 are read from the
 * strict DER reader's tree (the ASN.1 library's parse costs more than the key's import); any other
 * spelling is read by the library, as it always was.
 */
export function ecKeyShape(spki: Uint8Array): EcKeyShape {
  return plainEcKeyShape(spki) ?? ecKeyShapeWithLibrary(spki);
}

/** The shape of a named-curve key in its DER spelling; undefined for anything else. */
export function plainEcKeyShape(spki: Uint8Array): EcKeyShape | undefined {
  const key = knownKeyDer(spki);
  if (key === undefined || key.bits.length === 0) return undefined;
  if (!EC_KEY_ALGORITHM_IDENTIFIERS.some((known) => known.equals(key.identifier))) return undefined;
  const first = key.bits[0];
  return { namedCurve: true, compressedPoint: first === 0x02 || first === 0x03 };
}

/** The shape as @peculiar/asn1-schema reads it: the reference, and the way for any other spelling. */
export function ecKeyShapeWithLibrary(spki: Uint8Array): EcKeyShape {
  const info = AsnConvert.parse(spki, SubjectPublicKeyInfo);
  const { parameters } = info.algorithm;
  const point = new Uint8Array(info.subjectPublicKey);
  return {
    namedCurve:
      parameters !== null &&
      parameters !== undefined &&
      new Uint8Array(parameters)[0] === OBJECT_IDENTIFIER_TAG,
    compressedPoint: point[0] === 0x02 || point[0] === 0x03,
  };
}

import { KEY_ALGORITHM_IDENTIFIERS } from "./algorithm-identifiers.js";
import { type DerElement, parseStrictDer } from "./strict-der.js";

/** A SubjectPublicKeyInfo in the one DER spelling the x509 library reproduces, taken apart. */
export interface KnownKeyDer {
  /** One of `KEY_ALGORITHM_IDENTIFIERS`. */
  identifier: Uint8Array;
  /** The BIT STRING's contents after its unused-bits octet (which is 0). */
  bits: Uint8Array;
}

/**
 * The key's identifier and bits when it is spelled as the general path would spell it: strict DER,
 * a known algorithm identifier and a BIT STRING without unused bits. Undefined for anything else,
 * which the callers leave to the ASN.1 library.
 */
export function knownKeyDer(spki: Uint8Array): KnownKeyDer | undefined {
  let key: DerElement;
  try {
    key = parseStrictDer(spki);
  } catch {
    return undefined;
  }
  const [algorithm, bits] = key.children ?? [];
  if (key.tag !== 0x30 || algorithm === undefined || bits?.tag !== 0x03) return undefined;
  if (key.children?.length !== 2 || spki[bits.contentStart] !== 0) return undefined;
  const identifier = spki.subarray(key.contentStart, algorithm.contentEnd);
  if (!KEY_ALGORITHM_IDENTIFIERS.some((known) => known.equals(identifier))) return undefined;
  return { identifier, bits: spki.subarray(bits.contentStart + 1, bits.contentEnd) };
}

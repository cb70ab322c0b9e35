/** One element of a DER encoding: where it is, and for a constructed one, what it holds. */
export interface DerElement {
  /** The identifier octet (tag class, constructed bit and tag number). */
  tag: number;
  /** Where its contents begin and end in the whole input. */
  contentStart: number;
  contentEnd: number;
  /** For SEQUENCE, SET and constructed context or application tags: the elements inside. */
  children: DerElement[] | undefined;
}

/** What a strict reader refuses: BER that DER forbids, or lengths that do not add up. */
export class DerError extends Error {
  override readonly name = "DerError";
}

const MAX_DEPTH = 32;
const UNIVERSAL_SEQUENCE = 0x30;
const UNIVERSAL_SET = 0x31;

/**
 * Reads `bytes` as exactly one DER element, and every constructed element inside it, checking that
 * each length is definite, minimally encoded, and adds up: the elements inside a constructed one
 * fill it exactly, neither more nor less, and nothing follows the whole. General ASN.1 readers
 * (asn1js among them) are lenient here, and an element that runs past its container can make a
 * reader and a signer see different fields. Primitive contents (OCTET and BIT STRINGs included)
 * are left to whoever reads them.
 */
export function parseStrictDer(bytes: Uint8Array): DerElement {
  const [element, end] = readElement(bytes, 0, bytes.length, 0);
  if (end !== bytes.length) throw new DerError(`${bytes.length - end} trailing bytes after the DER element`);
  return element;
}

function readElement(bytes: Uint8Array, start: number, limit: number, depth: number): [DerElement, number] {
  if (depth > MAX_DEPTH) throw new DerError("DER nested too deeply");
  const tag = bytes[start];
  if (tag === undefined || start >= limit) throw new DerError("DER element missing");
  if ((tag & 0x1f) === 0x1f) throw new DerError("high tag numbers are not used in these structures");
  const [length, contentStart] = readLength(bytes, start + 1, limit);
  const contentEnd = contentStart + length;
  if (contentEnd > limit) throw new DerError("a DER element runs past the element that holds it");
  const constructed = (tag & 0x20) !== 0;
  const universal = (tag & 0xc0) === 0;
  if (constructed && universal && tag !== UNIVERSAL_SEQUENCE && tag !== UNIVERSAL_SET) {
    // Constructed strings (BER's chunked OCTET and BIT STRINGs) are not DER.
    throw new DerError(`universal tag ${tag & 0x1f} may not be constructed in DER`);
  }
  let children: DerElement[] | undefined;
  if (constructed) {
    children = [];
    for (let offset = contentStart; offset < contentEnd; ) {
      const [child, next] = readElement(bytes, offset, contentEnd, depth + 1);
      children.push(child);
      offset = next;
    }
  }
  return [{ tag, contentStart, contentEnd, children }, contentEnd];
}

function readLength(bytes: Uint8Array, at: number, limit: number): [number, number] {
  const first = bytes[at];
  if (first === undefined || at >= limit) throw new DerError("DER length missing");
  if (first < 0x80) return [first, at + 1];
  const octets = first & 0x7f;
  if (octets === 0) throw new DerError("indefinite lengths are BER, not DER");
  if (octets > 4 || at + 1 + octets > limit) throw new DerError("DER length too long");
  if (bytes[at + 1] === 0) throw new DerError("DER lengths are minimally encoded");
  let length = 0;
  for (let i = 1; i <= octets; i++) length = length * 256 + (bytes[at + i] ?? 0);
  if (length < 0x80) throw new DerError("DER lengths below 128 use the short form");
  return [length, at + 1 + octets];
}

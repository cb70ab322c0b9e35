/**
 * A lean DER writer: just the types a PKCS#10 request needs. It runs once per device on a factory
 * line, where a general ASN.1 library's object model costs more than the signature itself.
 */

/** A tag, a definite length and the contents (X.690 §8.1). */
export function tlv(tag: number, ...contents: readonly Uint8Array[]): Buffer {
  const body = Buffer.concat(contents);
  return Buffer.concat([Buffer.from([tag]), lengthOctets(body.length), body]);
}

function lengthOctets(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return Buffer.from([0x80 | octets.length, ...octets]);
}

export const sequence = (...items: readonly Uint8Array[]): Buffer => tlv(0x30, ...items);
export const set = (...items: readonly Uint8Array[]): Buffer => tlv(0x31, ...items);
export const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, "utf8"));
/** A BIT STRING of whole bytes: no unused bits. */
export const bitString = (bytes: Uint8Array): Buffer => tlv(0x03, Buffer.from([0]), bytes);
/** A small non-negative INTEGER (one content byte). */
export const smallInteger = (value: number): Buffer => tlv(0x02, Buffer.from([value]));
export const NULL = Buffer.from([0x05, 0x00]);

/** An OBJECT IDENTIFIER from its dotted form (X.690 §8.19). */
export function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split(".").map(Number);
  const octets = [40 * first + second];
  for (const arc of rest) {
    const base128: number[] = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) {
      base128.unshift(0x80 | (value & 0x7f));
    }
    octets.push(...base128);
  }
  return tlv(0x06, Buffer.from(octets));
}

/** `[n]` constructed, context-specific, as an IMPLICIT SET OF: what PKCS#10's attributes are. */
export const contextConstructed = (tagNumber: number, ...items: readonly Uint8Array[]): Buffer =>
  tlv(0xa0 | tagNumber, ...items);

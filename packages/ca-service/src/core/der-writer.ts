/**
 * The few DER encodings the hot issuance path writes itself: definite minimal lengths, unsigned
 * INTEGERs, X.509 times and UTF8Strings. Only for structures of our own making; anything a caller
 * sends is read by the strict reader (strict-der.ts) and asn1-schema, never by hand.
 */

export const TAG = {
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  utf8String: 0x0c,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
  /** [0] and [3], constructed: a certificate's version and extensions are EXPLICIT. */
  context0: 0xa0,
  context3: 0xa3,
} as const;

/** One element: its tag, a minimal definite length, and its contents in order. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of contents) length += part.length;
  const header = lengthOctets(length);
  const out = new Uint8Array(1 + header.length + length);
  out[0] = tag;
  out.set(header, 1);
  let at = 1 + header.length;
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function lengthOctets(length: number): number[] {
  if (length < 0x80) return [length];
  const octets: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) octets.unshift(rest % 256);
  return [0x80 | octets.length, ...octets];
}

/**
 * A positive INTEGER from its big-endian magnitude: leading zero octets dropped, one put back when
 * the high bit is set, as X.509 serial numbers and ECDSA's r and s are written.
 */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array {
  let first = 0;
  while (first < magnitude.length - 1 && magnitude[first] === 0) first++;
  const digits = magnitude.subarray(first);
  const padded = digits.length === 0 || (digits[0] ?? 0) > 0x7f;
  return padded ? tlv(TAG.integer, Uint8Array.of(0), digits) : tlv(TAG.integer, digits);
}

/**
 * RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050, both in whole seconds with
 * `Z`. Fractions of a second are cut, as the general path cuts them.
 */
export function x509Time(date: Date): Uint8Array {
  const year = date.getUTCFullYear();
  const two = (value: number) => String(value).padStart(2, "0");
  const rest = `${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(date.getUTCHours())}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}Z`;
  return year < 2050
    ? tlv(TAG.utcTime, ascii(`${two(year % 100)}${rest}`))
    : tlv(TAG.generalizedTime, ascii(`${String(year).padStart(4, "0")}${rest}`));
}

export function utf8String(text: string): Uint8Array {
  return tlv(TAG.utf8String, new TextEncoder().encode(text));
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

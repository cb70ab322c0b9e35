/**
 * A bare DER writer for tests that must build what no well-behaved tool makes (an RSA key with
 * e = 1, a CN that is an INTEGER): the attacker's side of a test.
 */
export function tlv(tag: number, content: Uint8Array): Uint8Array {
  const length = content.length;
  const header =
    length < 0x80
      ? [tag, length]
      : length < 0x100
        ? [tag, 0x81, length]
        : [tag, 0x82, length >> 8, length & 0xff];
  return new Uint8Array([...header, ...content]);
}

const concat = (parts: Uint8Array[]) => new Uint8Array(parts.flatMap((part) => [...part]));

export const sequence = (...parts: Uint8Array[]) => tlv(0x30, concat(parts));
export const set = (...parts: Uint8Array[]) => tlv(0x31, concat(parts));
export const utf8String = (text: string) => tlv(0x0c, new TextEncoder().encode(text));
export const nullValue = () => new Uint8Array([0x05, 0x00]);
/** A BIT STRING with no unused bits. */
export const bitString = (bytes: Uint8Array) => tlv(0x03, concat([new Uint8Array([0]), bytes]));

/** A positive INTEGER from big-endian magnitude bytes. */
export function integer(magnitude: Uint8Array | bigint): Uint8Array {
  let bytes =
    typeof magnitude === "bigint"
      ? Uint8Array.from(
          Buffer.from(
            magnitude
              .toString(16)
              .padStart(2, "0")
              .replace(/^(.(..)*)$/, "0$1"),
            "hex",
          ),
        )
      : magnitude;
  while (bytes.length > 1 && bytes[0] === 0 && (bytes[1] ?? 0) < 0x80) bytes = bytes.subarray(1);
  if ((bytes[0] ?? 0) >= 0x80) bytes = concat([new Uint8Array([0]), bytes]);
  return tlv(0x02, bytes);
}

export const OID = {
  commonName: Uint8Array.from([0x06, 0x03, 0x55, 0x04, 0x03]),
  rsaEncryption: Uint8Array.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
  sha256WithRsa: Uint8Array.from([0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
  ecdsaWithSha256: Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02]),
};

/** EMSA-PKCS1-v1_5 of a SHA-256 digest for a modulus of `length` bytes (RFC 8017 §9.2). */
export function pkcs1Sha256Encoding(digest: Uint8Array, length: number): Uint8Array {
  const digestInfo = concat([
    Uint8Array.from(Buffer.from("3031300d060960864801650304020105000420", "hex")),
    digest,
  ]);
  const padding = new Uint8Array(length - digestInfo.length - 3).fill(0xff);
  return concat([new Uint8Array([0x00, 0x01]), padding, new Uint8Array([0x00]), digestInfo]);
}

export { concat };

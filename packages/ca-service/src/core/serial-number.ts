/**
 * 16 random bytes with the top bit cleared (a positive INTEGER without a padding byte) and the next
 * bit set (always 16 bytes long, so the hex form is a stable 32 characters): 126 random bits.
 */
export function randomSerialNumber(random: (bytes: Uint8Array) => Uint8Array): string {
  const bytes = random(new Uint8Array(16));
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return Buffer.from(bytes).toString("hex");
}

import type { RandomBytes } from "../ports/clock.js";

/**
 * A token's `jti`: 128 random bits, unguessable and unique without coordination between replicas.
 * Hexadecimal, so that it never starts with `-` and reads as an argument, not an option, on a
 * command line (`edge-pki-ca token revoke <jti>`).
 */
export function newTokenId(random: RandomBytes): string {
  return Buffer.from(random(new Uint8Array(16))).toString("hex");
}

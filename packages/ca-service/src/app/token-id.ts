import type { RandomBytes } from "../ports/clock.js";

/** A token's `jti`: 128 random bits, unguessable and unique without coordination between replicas. */
export function newTokenId(random: RandomBytes): string {
  return Buffer.from(random(new Uint8Array(16))).toString("base64url");
}

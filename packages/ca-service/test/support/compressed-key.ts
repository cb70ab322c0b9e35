import type { KeyObject } from "node:crypto";
import { bitString, concat, sequence } from "./der.js";

/** id-ecPublicKey with P-256, as DER spells it. */
const P256_IDENTIFIER = Buffer.from("301306072a8648ce3d020106082a8648ce3d030107", "hex");

/** A P-256 public key's SPKI with its point compressed (02 or 03, then x), as RFC 5480 allows. */
export function compressedP256Spki(publicKey: KeyObject): Uint8Array {
  const point = publicKey.export({ type: "spki", format: "der" }).subarray(-65); // 04 || x || y
  const prefix = 2 + ((point[64] ?? 0) & 1);
  return sequence(P256_IDENTIFIER, bitString(concat([Uint8Array.of(prefix), point.subarray(1, 33)])));
}

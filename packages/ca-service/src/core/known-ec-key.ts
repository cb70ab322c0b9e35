import { createPublicKey, type KeyObject } from "node:crypto";
import { EC_KEY_ALGORITHM_IDENTIFIERS } from "./algorithm-identifiers.js";
import { CaError } from "./errors.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { knownKeyDer } from "./known-key-der.js";

/** P-256 and P-384, in the order of `EC_KEY_ALGORITHM_IDENTIFIERS`: JWK curve, coordinate size. */
const CURVES = [
  { algorithm: "ECDSA_P256", crv: "P-256", size: 32 },
  { algorithm: "ECDSA_P384", crv: "P-384", size: 48 },
] as const;

const UNCOMPRESSED_POINT = 0x04;

/**
 * Imports a P-256 or P-384 key in its one DER spelling with an uncompressed point, the key of
 * nearly every CSR, as a JWK of its coordinates. The result is the key SPKI import gives, for less
 * than half its cost: node's SPKI import goes through OpenSSL 3's decoder lookup, a JWK does not.
 * The point is checked alike (off the curve, at infinity: refused). Undefined for any other key,
 * which the general import classifies.
 */
export function importKnownEcKey(spki: Uint8Array): { key: KeyObject; algorithm: KeyAlgorithm } | undefined {
  const known = knownKeyDer(spki);
  if (known === undefined) return undefined;
  const curve = CURVES[EC_KEY_ALGORITHM_IDENTIFIERS.findIndex((id) => id.equals(known.identifier))];
  const { bits } = known;
  if (curve === undefined || bits.length !== 1 + 2 * curve.size || bits[0] !== UNCOMPRESSED_POINT) {
    return undefined;
  }
  const coordinate = (from: number) =>
    Buffer.from(bits.buffer, bits.byteOffset + from, curve.size).toString("base64url");
  try {
    const key = createPublicKey({
      key: { kty: "EC", crv: curve.crv, x: coordinate(1), y: coordinate(1 + curve.size) },
      format: "jwk",
    });
    return { key, algorithm: curve.algorithm };
  } catch (cause) {
    throw new CaError("unsupported_key", "the public key cannot be parsed", { cause });
  }
}

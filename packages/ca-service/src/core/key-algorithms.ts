import { createPublicKey, type KeyObject, type webcrypto } from "node:crypto";
import { ecKeyShape } from "./ec-key-shape.js";
import { CaError } from "./errors.js";
import { importKnownEcKey } from "./known-ec-key.js";

/**
 * The allow-list of subject keys: what IoT Edge's keyd can load and DPS accepts. Ed25519, other
 * curves and RSA below 2048 bits are refused.
 */
export type KeyAlgorithm = "ECDSA_P256" | "ECDSA_P384" | "RSA_2048" | "RSA_3072" | "RSA_4096";

export interface SignatureAlgorithm {
  name: "ECDSA" | "RSASSA-PKCS1-v1_5";
  hash: "SHA-256" | "SHA-384";
  namedCurve?: "P-256" | "P-384";
}

const RSA_PUBLIC_EXPONENT = 65537n;
const RSA_SIZES: Record<number, KeyAlgorithm> = { 2048: "RSA_2048", 3072: "RSA_3072", 4096: "RSA_4096" };
const CURVES: Record<string, KeyAlgorithm> = { prime256v1: "ECDSA_P256", secp384r1: "ECDSA_P384" };

/** Classifies a SubjectPublicKeyInfo, refusing anything outside the allow-list with a reason. */
export function classifyPublicKey(spki: Uint8Array): KeyAlgorithm {
  return importAllowedPublicKey(spki).algorithm;
}

/**
 * Imports a SubjectPublicKeyInfo once and classifies it, refusing anything outside the allow-list
 * with a reason: the key comes back for whoever verifies with it next.
 */
export function importAllowedPublicKey(spki: Uint8Array): { key: KeyObject; algorithm: KeyAlgorithm } {
  return importKnownEcKey(spki) ?? importAnyPublicKey(spki);
}

/** The general import: any SPKI node:crypto reads, then classified against the allow-list. */
export function importAnyPublicKey(spki: Uint8Array): { key: KeyObject; algorithm: KeyAlgorithm } {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  } catch (cause) {
    throw new CaError("unsupported_key", "the public key cannot be parsed", { cause });
  }
  return { key, algorithm: classifyKey(key, spki) };
}

function classifyKey(key: KeyObject, spki: Uint8Array): KeyAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") {
    // Node names the curve even for explicit parameters, which WebCrypto, IoT Edge and RFC 5480 refuse.
    if (!hasNamedCurve(spki)) {
      throw new CaError(
        "unsupported_key",
        "EC keys with explicit curve parameters are not accepted: use a named curve",
      );
    }
    const algorithm = details.namedCurve === undefined ? undefined : CURVES[details.namedCurve];
    if (algorithm) return algorithm;
    throw new CaError(
      "unsupported_key",
      `EC curve ${details.namedCurve ?? "(explicit parameters)"} is not accepted: use P-256 or P-384`,
    );
  }
  if (key.asymmetricKeyType === "rsa") {
    const bits = details.modulusLength ?? 0;
    const algorithm = RSA_SIZES[bits];
    if (!algorithm)
      throw new CaError("unsupported_key", `RSA-${bits} is not accepted: use RSA 2048, 3072 or 4096`);
    // With e = 1 a "signature" is the padded hash itself: anyone can forge one, so a proof of
    // possession proves nothing. Small exponents (3) invite other attacks. 65537 only, as Let's Encrypt.
    if (details.publicExponent !== RSA_PUBLIC_EXPONENT) {
      throw new CaError(
        "unsupported_key",
        `RSA public exponent ${details.publicExponent ?? "unknown"} is not accepted: use 65537`,
      );
    }
    return algorithm;
  }
  throw new CaError(
    "unsupported_key",
    `${key.asymmetricKeyType ?? "this"} keys are not accepted (IoT Edge supports ECDSA P-256/P-384 and RSA 2048-4096)`,
  );
}

/**
 * The key as certificates carry it: an EC point in uncompressed form. RFC 5480 allows compressed
 * points, but Go's crypto/x509 and several TLS stacks refuse them, so a device whose CSR has one
 * gets a certificate with the same point uncompressed (the same key, so its CSR and proofs still
 * verify). Other keys are returned as they are.
 */
export function canonicalPublicKey(
  spki: Uint8Array,
  key: KeyObject = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" }),
): Uint8Array {
  if (key.asymmetricKeyType !== "ec" || !isCompressedPoint(spki)) return spki;
  // A JWK carries x and y, so importing it back yields the uncompressed encoding.
  const uncompressed = createPublicKey({ key: key.export({ format: "jwk" }), format: "jwk" });
  return new Uint8Array(uncompressed.export({ type: "spki", format: "der" }));
}

function isCompressedPoint(spki: Uint8Array): boolean {
  return ecKeyShape(spki).compressedPoint;
}

/** RFC 5480: the parameters of an id-ecPublicKey must be the OID of a named curve. */
function hasNamedCurve(spki: Uint8Array): boolean {
  return ecKeyShape(spki).namedCurve;
}

export function isRsa(algorithm: KeyAlgorithm): boolean {
  return algorithm.startsWith("RSA_");
}

/** How a key of this algorithm signs certificates: SHA-384 goes with P-384, SHA-256 otherwise. */
export function signatureAlgorithmFor(algorithm: KeyAlgorithm): SignatureAlgorithm {
  switch (algorithm) {
    case "ECDSA_P256":
      return { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    case "ECDSA_P384":
      return { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
    default:
      return { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
  }
}

/** WebCrypto parameters to generate a key pair of this algorithm. */
export function keyGenParamsFor(
  algorithm: KeyAlgorithm,
): webcrypto.EcKeyGenParams | webcrypto.RsaHashedKeyGenParams {
  switch (algorithm) {
    case "ECDSA_P256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ECDSA_P384":
      return { name: "ECDSA", namedCurve: "P-384" };
    default:
      return {
        name: "RSASSA-PKCS1-v1_5",
        hash: "SHA-256",
        modulusLength: Number(algorithm.slice(4)),
        publicExponent: new Uint8Array([1, 0, 1]),
      };
  }
}

/**
 * Signing over a caller-supplied digest, the way Key Vault's `/sign` does it.
 * Node's `crypto.sign` always hashes its input again, so ECDSA goes through @noble/curves
 * (raw r‖s, as Key Vault returns it) and RSA pads the digest itself before the raw RSA operation.
 */
import { constants, createHash, type KeyObject, privateEncrypt, randomBytes } from "node:crypto";
import { p256, p384, p521 } from "@noble/curves/nist.js";
import { badParameter } from "./errors.js";

export type Curve = "P-256" | "P-384" | "P-521";
type Hash = "sha256" | "sha384" | "sha512";

/** Signature algorithms this emulator implements (JWA names). */
export const SIGNING_ALGORITHMS = [
  "ES256",
  "ES384",
  "ES512",
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

interface AlgorithmSpec {
  family: "EC" | "RSA-PKCS1" | "RSA-PSS";
  hash: Hash;
  digestLength: number;
  curve?: Curve;
}

const SPECS: Record<SigningAlgorithm, AlgorithmSpec> = {
  ES256: { family: "EC", hash: "sha256", digestLength: 32, curve: "P-256" },
  ES384: { family: "EC", hash: "sha384", digestLength: 48, curve: "P-384" },
  ES512: { family: "EC", hash: "sha512", digestLength: 64, curve: "P-521" },
  RS256: { family: "RSA-PKCS1", hash: "sha256", digestLength: 32 },
  RS384: { family: "RSA-PKCS1", hash: "sha384", digestLength: 48 },
  RS512: { family: "RSA-PKCS1", hash: "sha512", digestLength: 64 },
  PS256: { family: "RSA-PSS", hash: "sha256", digestLength: 32 },
  PS384: { family: "RSA-PSS", hash: "sha384", digestLength: 48 },
  PS512: { family: "RSA-PSS", hash: "sha512", digestLength: 64 },
};

/** DER prefix of DigestInfo for each hash (RFC 8017 §9.2, note 1). */
const DIGEST_INFO_PREFIX: Record<Hash, Buffer> = {
  sha256: Buffer.from("3031300d060960864801650304020105000420", "hex"),
  sha384: Buffer.from("3041300d060960864801650304020205000430", "hex"),
  sha512: Buffer.from("3051300d060960864801650304020305000440", "hex"),
};

const CURVES = { "P-256": p256, "P-384": p384, "P-521": p521 } as const;

/** The private half of a stored key, in the shapes the signers need. */
export type SigningKey =
  | { kind: "EC"; curve: Curve; d: Uint8Array }
  | { kind: "RSA"; privateKey: KeyObject; modulusBits: number };

export function isSigningAlgorithm(alg: unknown): alg is SigningAlgorithm {
  return typeof alg === "string" && (SIGNING_ALGORITHMS as readonly string[]).includes(alg);
}

/**
 * Signs `digest` with `key` under `alg`; throws a 400 BadParameter when the algorithm does not fit
 * the key or the digest has the wrong length, as Key Vault does.
 */
export function signDigest(key: SigningKey, alg: SigningAlgorithm, digest: Uint8Array): Uint8Array {
  const spec = SPECS[alg];
  if (spec.family === "EC") {
    if (key.kind !== "EC") throw badParameter(`Algorithm ${alg} is not supported for an RSA key.`);
    if (key.curve !== spec.curve) {
      throw badParameter(`Algorithm ${alg} is not supported for a key with curve ${key.curve}.`);
    }
  } else if (key.kind !== "RSA") {
    throw badParameter(`Algorithm ${alg} is not supported for an EC key.`);
  }
  if (digest.length !== spec.digestLength) {
    throw badParameter(
      `Invalid digest length ${digest.length} for algorithm ${alg}; expected ${spec.digestLength} bytes.`,
    );
  }
  if (key.kind === "EC") {
    return CURVES[key.curve].sign(digest, key.d, { prehash: false, format: "compact" });
  }
  const encoded =
    spec.family === "RSA-PSS"
      ? emsaPssEncode(digest, spec.hash, key.modulusBits - 1)
      : Buffer.concat([DIGEST_INFO_PREFIX[spec.hash], digest]);
  const padding = spec.family === "RSA-PSS" ? constants.RSA_NO_PADDING : constants.RSA_PKCS1_PADDING;
  return privateEncrypt({ key: key.privateKey, padding }, encoded);
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1) with MGF1 over the same hash and salt length = hash length (RFC 7518). */
function emsaPssEncode(mHash: Uint8Array, hash: Hash, emBits: number): Buffer {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  const salt = randomBytes(hLen);
  const h = createHash(hash).update(Buffer.alloc(8)).update(mHash).update(salt).digest();
  const db = Buffer.alloc(emLen - hLen - 1);
  db[db.length - hLen - 1] = 0x01;
  salt.copy(db, db.length - hLen);
  const mask = mgf1(h, db.length, hash);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] ?? 0) ^ (mask[i] ?? 0);
  db[0] = (db[0] ?? 0) & (0xff >> (8 * emLen - emBits));
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  // The raw RSA operation takes exactly modulus-length input; emLen is one byte short when emBits % 8 === 0.
  const modulusBytes = Math.ceil((emBits + 1) / 8);
  return em.length === modulusBytes ? em : Buffer.concat([Buffer.alloc(modulusBytes - em.length), em]);
}

function mgf1(seed: Buffer, length: number, hash: Hash): Buffer {
  const blocks: Buffer[] = [];
  let produced = 0;
  for (let counter = 0; produced < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const block = createHash(hash).update(seed).update(c).digest();
    blocks.push(block);
    produced += block.length;
  }
  return Buffer.concat(blocks).subarray(0, length);
}

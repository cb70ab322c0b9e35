import type { KeyObject } from "node:crypto";
import type { GeneratedKeyAlgorithm } from "@edge-pki/api-contract";

/** Key algorithms for device keys: the ones IoT Edge is tested with, and the service generates. */
export type DeviceKeyAlgorithm = GeneratedKeyAlgorithm;

export const DEVICE_KEY_ALGORITHMS: readonly DeviceKeyAlgorithm[] = ["ECDSA_P256", "ECDSA_P384", "RSA_2048"];

/** What signs with a key of an algorithm: the hash, and the JWS `alg` of a renewal proof. */
export interface SigningSuite {
  hash: "sha256" | "sha384";
  jwsAlgorithm: "ES256" | "ES384" | "RS256";
}

const SUITES: Record<DeviceKeyAlgorithm, SigningSuite> = {
  ECDSA_P256: { hash: "sha256", jwsAlgorithm: "ES256" },
  ECDSA_P384: { hash: "sha384", jwsAlgorithm: "ES384" },
  RSA_2048: { hash: "sha256", jwsAlgorithm: "RS256" },
};

export function signingSuiteOf(algorithm: DeviceKeyAlgorithm): SigningSuite {
  return SUITES[algorithm];
}

/**
 * The algorithm of an existing key (a device's current key, for renewal); undefined for one the
 * service would not accept.
 */
export function keyAlgorithmOf(key: KeyObject): DeviceKeyAlgorithm | undefined {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") {
    if (details.namedCurve === "prime256v1") return "ECDSA_P256";
    if (details.namedCurve === "secp384r1") return "ECDSA_P384";
  }
  if (key.asymmetricKeyType === "rsa" && details.modulusLength === 2048) return "RSA_2048";
  return undefined;
}

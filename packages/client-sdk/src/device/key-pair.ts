import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import type { DeviceKeyAlgorithm } from "./key-algorithm.js";

const generate = promisify(generateKeyPair);

/** A device key pair made on this machine. */
export interface DeviceKeyPair {
  algorithm: DeviceKeyAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/**
 * Generates a device key with node:crypto, off the main thread (libuv's pool), so a batch can make
 * keys while it waits for the service.
 *
 * @example
 * ```ts
 * const key = await generateDeviceKey("ECDSA_P256");
 * ```
 */
export async function generateDeviceKey(
  algorithm: DeviceKeyAlgorithm = "ECDSA_P256",
): Promise<DeviceKeyPair> {
  const pair =
    algorithm === "RSA_2048"
      ? await generate("rsa", { modulusLength: 2048, publicExponent: 0x10001 })
      : await generate("ec", { namedCurve: algorithm === "ECDSA_P384" ? "P-384" : "P-256" });
  return { algorithm, ...pair };
}

/**
 * Unencrypted PKCS#8 PEM: what IoT Edge's keyd loads (it takes no passphrase).
 *
 * @example
 * ```ts
 * const key = await generateDeviceKey();
 * await writePrivateKeyFile("./out", "line7-0001", privateKeyPem(key.privateKey));
 * ```
 */
export function privateKeyPem(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }) as string;
}

import type { IssuedCertificate } from "@edge-pki/api-contract";
import type { DeviceKeyAlgorithm } from "./key-algorithm.js";

/**
 * A device's key, certificate and chain, as `createDeviceIdentity`, `issueCredentials` and `renew`
 * return them; what `writeDeviceFiles` writes.
 */
export interface DeviceIdentity extends IssuedCertificate {
  keyAlgorithm: DeviceKeyAlgorithm;
  /** Unencrypted PKCS#8 PEM, as IoT Edge's keyd loads it. Keep it secret; it is not kept anywhere else. */
  privateKeyPem: string;
  /** A PKCS#12 of key and chain: from `issueCredentials` with a `pfxPassword`. */
  pfx?: Uint8Array;
}

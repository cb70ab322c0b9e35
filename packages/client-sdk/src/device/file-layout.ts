import { join } from "node:path";

/** The root's file name. certGen.sh calls its root azure-iot-test-only.root.ca.cert.pem; ours is not a test root. */
export const ROOT_CERTIFICATE_FILE = join("certs", "edge-pki-root-ca.cert.pem");

/** Where a device's files go, relative to the output folder. */
export interface DeviceFileLayout {
  /** Leaf, issuing CA, root: what IoT Edge's `identity_cert` and EFLOW's `-identityCertPath` take. */
  fullChain: string;
  /** The device certificate alone. */
  certificate: string;
  /** Unencrypted PKCS#8: IoT Edge's `identity_pk`, EFLOW's `-identityPrivKeyPath`. */
  privateKey: string;
  root: string;
  /**
   * The PKCS#12, when asked for. certGen.sh leaves it next to the certificates, but it holds the
   * key: it goes to the private folder.
   */
  pfx: string;
}

/**
 * The file names of IoT Edge's docs and certGen.sh. A device ID may hold ':', which Windows does not
 * allow in file names, so it is written %3A on every system: files made on a Linux line work on an
 * EFLOW host.
 *
 * @example
 * ```ts
 * deviceFileLayout("line7-0001").fullChain; // "certs/iot-edge-device-identity-line7-0001-full-chain.cert.pem"
 * ```
 */
export function deviceFileLayout(deviceId: string): DeviceFileLayout {
  const name = `iot-edge-device-identity-${deviceId.replaceAll(":", "%3A")}`;
  return {
    fullChain: join("certs", `${name}-full-chain.cert.pem`),
    certificate: join("certs", `${name}.cert.pem`),
    privateKey: join("private", `${name}.key.pem`),
    root: ROOT_CERTIFICATE_FILE,
    pfx: join("private", `${name}.cert.pfx`),
  };
}

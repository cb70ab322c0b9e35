import type { CaSigner } from "../ports/ca-key-store.js";
import { assertValidDeviceId } from "./device-id.js";
import { CaError } from "./errors.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { commonNameOnly, deviceExtensions, subjectKeyIdOf } from "./profiles.js";
import { signCertificate } from "./sign-certificate.js";
import type { Validity } from "./validity.js";
import type { x509 } from "./x509.js";

/** The issuing intermediate with its key, and the root above it (for the full chain). */
export interface IssuingCa {
  signer: CaSigner;
  certificate: x509.X509Certificate;
  root: x509.X509Certificate;
}

export interface DeviceCertificateRequest {
  ca: IssuingCa;
  deviceId: string;
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  validity: Validity;
  serialNumber: string;
  crlDistributionPoint?: string | undefined;
}

export async function signDeviceCertificate(
  request: DeviceCertificateRequest,
): Promise<x509.X509Certificate> {
  assertValidDeviceId(request.deviceId);
  return signCertificate({
    signer: request.ca.signer,
    issuer: request.ca.certificate.subjectName,
    subject: commonNameOnly(request.deviceId),
    publicKeySpki: request.publicKeySpki,
    serialNumber: request.serialNumber,
    notBefore: request.validity.notBefore,
    notAfter: request.validity.notAfter,
    extensions: await deviceExtensions({
      publicKeySpki: request.publicKeySpki,
      keyAlgorithm: request.keyAlgorithm,
      issuerKeyId: subjectKeyIdOf(request.ca.certificate),
      crlDistributionPoint: request.crlDistributionPoint,
    }),
  });
}

/**
 * The device ID is the CSR's CN. A deviceId given alongside must equal it: IoT Edge reads the
 * registration ID from the CN, and DPS rejects a mismatch.
 */
export function deviceIdForCsr(
  csrCommonName: string | undefined,
  requestedDeviceId: string | undefined,
): string {
  if (csrCommonName === undefined) {
    const message = "the CSR's subject must have exactly one CN, the device ID";
    throw new CaError("invalid_csr", message, { errors: [{ field: "csr", message }] });
  }
  if (requestedDeviceId !== undefined && requestedDeviceId !== csrCommonName) {
    const message = `deviceId '${requestedDeviceId}' does not equal the CSR's CN '${csrCommonName}'`;
    throw new CaError("device_id_mismatch", message, { errors: [{ field: "deviceId", message }] });
  }
  assertValidDeviceId(csrCommonName, "csr subject CN");
  return csrCommonName;
}

/** Leaf first, then the intermediate, then the root: IoT Edge reads the registration ID from the first. */
export function fullChainPem(leaf: x509.X509Certificate, ca: IssuingCa): string {
  return `${[leaf, ca.certificate, ca.root].map((certificate) => certificate.toString("pem")).join("\n")}\n`;
}

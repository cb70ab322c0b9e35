import type { CaSigner } from "../ports/ca-key-store.js";
import { assertValidDeviceId } from "./device-id.js";
import { CaError } from "./errors.js";
import type { KeyAlgorithm } from "./key-algorithms.js";
import { commonNameOnly, deviceExtensions, subjectKeyIdOf } from "./profiles.js";
import { signCertificate } from "./sign-certificate.js";
import type { Validity } from "./validity.js";
import type { x509 } from "./x509.js";

/**
 * The issuing intermediate with its key, and the root above it: for the full chain, and with its key
 * for the root's CRL of the certificates it signed.
 */
export interface IssuingCa {
  signer: CaSigner;
  certificate: x509.X509Certificate;
  root: x509.X509Certificate;
  rootSigner: CaSigner;
}

/** What differs between two device certificates of one CA. */
export interface DeviceCertificateFields {
  deviceId: string;
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  validity: Validity;
  serialNumber: string;
}

export interface DeviceCertificateRequest extends DeviceCertificateFields {
  ca: IssuingCa;
  crlDistributionPoint?: string | undefined;
}

/**
 * The general path: builds a device certificate with @peculiar/x509. The service takes it only for
 * keys the hot path does not write itself (device-certificate-writer.ts); tests take it as the
 * reference the hot path must equal byte for byte.
 */
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
 * registration ID from the CN, and DPS rejects a mismatch. A CSR without a CN (some tools make them)
 * takes the deviceId given; the certificate's subject is built from the ID either way.
 */
export function deviceIdForCsr(csrCommonNames: string[], requestedDeviceId: string | undefined): string {
  if (csrCommonNames.length > 1) {
    return refuse(
      "invalid_csr",
      "csr",
      "the CSR's subject has more than one CN; it must have one, the device ID",
    );
  }
  const [commonName] = csrCommonNames;
  if (commonName === undefined) {
    if (requestedDeviceId === undefined) {
      return refuse(
        "invalid_csr",
        "csr",
        "the CSR's subject has no CN: put the device ID there or pass deviceId",
      );
    }
    assertValidDeviceId(requestedDeviceId);
    return requestedDeviceId;
  }
  if (requestedDeviceId !== undefined && requestedDeviceId !== commonName) {
    return refuse(
      "device_id_mismatch",
      "deviceId",
      `deviceId '${requestedDeviceId}' does not equal the CSR's CN '${commonName}'`,
    );
  }
  assertValidDeviceId(commonName, "csr subject CN");
  return commonName;
}

function refuse(code: "invalid_csr" | "device_id_mismatch", field: string, message: string): never {
  throw new CaError(code, message, { errors: [{ field, message }] });
}

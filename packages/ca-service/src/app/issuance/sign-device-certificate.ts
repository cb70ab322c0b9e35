import { type DeviceCertificateRequest, signDeviceCertificate } from "../../core/device-certificate.js";
import { CaError } from "../../core/errors.js";
import type { x509 } from "../../core/x509.js";

/**
 * Signs with the issuing CA's key. A refusal the core explains (a bad device ID, a key store that
 * said why) passes through; anything else is the key store failing, which a retry may cure.
 */
export async function signForDevice(request: DeviceCertificateRequest): Promise<x509.X509Certificate> {
  try {
    return await signDeviceCertificate(request);
  } catch (cause) {
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", "the CA key could not sign; try again later", { cause });
  }
}

import type { CertificateFacts } from "../../core/certificate-facts.js";
import type { DeviceCertificateFields } from "../../core/device-certificate.js";
import type { DeviceCertificateWriter } from "../../core/device-certificate-writer.js";
import { CaError } from "../../core/errors.js";

/**
 * Signs with the issuing CA's key. A refusal the core explains (a bad device ID, a key store that
 * said why) passes through; anything else is the key store failing, which a retry may cure.
 */
export async function signForDevice(
  writer: DeviceCertificateWriter,
  fields: DeviceCertificateFields,
): Promise<CertificateFacts> {
  try {
    return await writer.sign(fields);
  } catch (cause) {
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", "the CA key could not sign; try again later", { cause });
  }
}

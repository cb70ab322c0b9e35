import type { x509 } from "./x509.js";

/**
 * Whether `issuer` signed `certificate`: by signature, not by name, since a foreign CA can copy our
 * intermediate's name but not its key.
 */
export async function isIssuedBy(
  certificate: x509.X509Certificate,
  issuer: x509.X509Certificate,
): Promise<boolean> {
  if (certificate.issuer !== issuer.subject) return false;
  try {
    return await certificate.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}

import { createHash, X509Certificate } from "node:crypto";
import { pemBlocks } from "../device/pem.js";

/** What a manifest and `issue` report about a device certificate. */
export interface CertificateSummary {
  serialNumber: string;
  notAfter: string;
  /** SHA-256 of the DER, lowercase hex, as the service's records give it. */
  sha256Fingerprint: string;
}

/** The summary of the first certificate of a PEM file or chain. */
export function summarise(pem: string): CertificateSummary {
  const der = pemBlocks(pem, "CERTIFICATE")[0];
  if (der === undefined) throw new Error("no PEM certificate");
  const certificate = new X509Certificate(der);
  return {
    serialNumber: certificate.serialNumber.toLowerCase(),
    notAfter: new Date(certificate.validTo).toISOString(),
    sha256Fingerprint: createHash("sha256").update(der).digest("hex"),
  };
}

/** The SHA-256 fingerprint of a PEM certificate, without parsing it (cheap on a batch's hot path). */
export function sha256Fingerprint(pem: string): string {
  const der = pemBlocks(pem, "CERTIFICATE")[0];
  if (der === undefined) throw new Error("no PEM certificate");
  return createHash("sha256").update(der).digest("hex");
}

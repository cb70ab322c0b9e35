import { createHash } from "node:crypto";
import type { Profile } from "../core/profiles.js";
import type { x509 } from "../core/x509.js";
import type { CertificateRecord } from "../ports/certificate-store.js";

export interface CertificateRecordFields {
  profile: Profile;
  deviceId: string | null;
  keyAlgorithm: string;
  issuedAt: Date;
  requester: string;
}

/** The record of a certificate the service signed, with everything that is in it taken from it. */
export function certificateRecord(
  certificate: x509.X509Certificate,
  fields: CertificateRecordFields,
): CertificateRecord {
  const der = new Uint8Array(certificate.rawData);
  return {
    ...fields,
    serialNumber: certificate.serialNumber.toLowerCase(),
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    status: "valid",
    revokedAt: null,
    revocationReason: null,
    der,
    sha256Fingerprint: createHash("sha256").update(der).digest("hex"),
    supersededBy: null,
  };
}

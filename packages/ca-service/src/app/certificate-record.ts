import { createHash } from "node:crypto";
import { type CertificateFacts, factsOf } from "../core/certificate-facts.js";
import type { Profile } from "../core/profiles.js";
import { x509 } from "../core/x509.js";
import type { CertificateRecord } from "../ports/certificate-store.js";

export interface CertificateRecordFields {
  profile: Profile;
  deviceId: string | null;
  keyAlgorithm: string;
  issuedAt: Date;
  requester: string;
}

/**
 * The record of a certificate the service signed, with everything that is in it taken from it: from
 * the facts the hot path wrote, or read from a certificate the general path built.
 */
export function certificateRecord(
  signed: CertificateFacts | x509.X509Certificate,
  fields: CertificateRecordFields,
): CertificateRecord {
  const certificate = signed instanceof x509.X509Certificate ? factsOf(signed) : signed;
  const { der } = certificate;
  return {
    ...fields,
    serialNumber: certificate.serialNumber,
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

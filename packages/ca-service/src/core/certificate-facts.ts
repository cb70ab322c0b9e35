import type { x509 } from "./x509.js";

/** What the store records of a certificate besides why it was issued: read once, where it is made. */
export interface CertificateFacts {
  der: Uint8Array;
  /** Lower-case hex, as the certificate's INTEGER reads back (no padding octet). */
  serialNumber: string;
  /** The subject as text (RFC 4514, as @peculiar/x509 renders it). */
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/** The facts of a certificate the general path built or parsed. */
export function factsOf(certificate: x509.X509Certificate): CertificateFacts {
  return {
    der: new Uint8Array(certificate.rawData),
    serialNumber: certificate.serialNumber.toLowerCase(),
    subject: certificate.subject,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
  };
}

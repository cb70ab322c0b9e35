/** Certificates as DPS takes them (PEM, or base64 DER) and the `info` it reports about them. */
import { X509Certificate } from "node:crypto";
import { badRequest } from "./errors.js";

/** What DPS reports about a certificate in an enrollment (`X509CertificateInfo`). */
export interface CertificateInfo {
  subjectName: string;
  sha1Thumbprint: string;
  sha256Thumbprint: string;
  issuerName: string;
  notBeforeUtc: string;
  notAfterUtc: string;
  serialNumber: string;
  version: number;
}

/** Parses one certificate given as PEM text or as base64 of its DER; `undefined` when it is neither. */
export function parseCertificate(text: string): X509Certificate | undefined {
  const trimmed = text.trim();
  try {
    if (trimmed.includes("-----BEGIN CERTIFICATE-----")) return new X509Certificate(trimmed);
    if (/^[A-Za-z0-9+/=\s]+$/.test(trimmed)) return new X509Certificate(Buffer.from(trimmed, "base64"));
  } catch {
    return undefined;
  }
  return undefined;
}

/** Like `parseCertificate`, with DPS's 400 for something that is not a certificate. */
export function requireCertificate(text: unknown, field: string): X509Certificate {
  const certificate = typeof text === "string" ? parseCertificate(text) : undefined;
  if (certificate === undefined) throw badRequest(`${field} is not a valid X.509 certificate.`);
  return certificate;
}

/** Hex without colons, upper case, as DPS prints thumbprints. */
export function thumbprint(certificate: X509Certificate, algorithm: "sha1" | "sha256"): string {
  return (algorithm === "sha1" ? certificate.fingerprint : certificate.fingerprint256).replaceAll(":", "");
}

export function certificateInfo(certificate: X509Certificate): CertificateInfo {
  return {
    subjectName: certificate.subject.replaceAll("\n", ", "),
    sha1Thumbprint: thumbprint(certificate, "sha1"),
    sha256Thumbprint: thumbprint(certificate, "sha256"),
    issuerName: certificate.issuer.replaceAll("\n", ", "),
    notBeforeUtc: new Date(certificate.validFrom).toISOString(),
    notAfterUtc: new Date(certificate.validTo).toISOString(),
    serialNumber: certificate.serialNumber,
    version: 3,
  };
}

/** The CN of a certificate's subject, or undefined. */
export function commonNameOf(certificate: X509Certificate): string | undefined {
  const line = certificate.subject.split("\n").find((part) => part.startsWith("CN="));
  return line?.slice(3);
}

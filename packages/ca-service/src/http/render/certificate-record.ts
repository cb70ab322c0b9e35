import type { CertificateRecord } from "@edge-pki/api-contract";
import type { CertificateRecord as StoredCertificate } from "../../ports/certificate-store.js";
import { certificatePem } from "./pem.js";

/** A stored record as the API shows it. */
export function renderCertificateRecord(record: StoredCertificate): CertificateRecord {
  return {
    serialNumber: record.serialNumber,
    deviceId: record.deviceId,
    profile: record.profile,
    subject: record.subject,
    status: record.status,
    notBefore: record.notBefore.toISOString(),
    notAfter: record.notAfter.toISOString(),
    issuedAt: record.issuedAt.toISOString(),
    requester: record.requester,
    keyAlgorithm: record.keyAlgorithm,
    sha256Fingerprint: record.sha256Fingerprint,
    revokedAt: record.revokedAt?.toISOString() ?? null,
    revocationReason: record.revocationReason,
    certificatePem: certificatePem(record.der),
  };
}

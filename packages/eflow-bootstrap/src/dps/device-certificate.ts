import { X509Certificate } from "node:crypto";
import { BootstrapError } from "../errors.js";

/** The certificate's subject CN, if it has one. */
export function commonNameOf(certificate: X509Certificate): string | undefined {
  return /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject)?.[1];
}

/** A PEM certificate, or a `certificate_invalid` error naming `what`. */
export function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new BootstrapError("certificate_invalid", `${what} is not a PEM certificate`, { cause: error });
  }
}

/**
 * What DPS requires of an individual enrollment's certificate: a device (end-entity) certificate whose
 * CN is the registration ID, compared without regard to case (`concepts-x509-attestation.md`). An
 * enrollment that breaks either rule is accepted by DPS and then matches no registration.
 */
export function assertDeviceCertificate(pem: string, registrationId: string, what: string): void {
  const certificate = parseCertificate(pem, what);
  if (certificate.ca) {
    throw new BootstrapError(
      "certificate_invalid",
      `${what} is a CA certificate (CA:TRUE): an individual enrollment takes the device's own certificate`,
    );
  }
  const commonName = commonNameOf(certificate);
  if (commonName?.toLowerCase() !== registrationId.toLowerCase()) {
    throw new BootstrapError(
      "certificate_invalid",
      `${what} has CN=${commonName ?? "(none)"}, not the registration ID ${registrationId}: DPS requires CN = registration ID`,
    );
  }
}

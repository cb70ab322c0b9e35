import { CaError } from "./errors.js";
import type { x509 } from "./x509.js";

/** An issuing intermediate the operator retired: on the root's CRL, replaced by a successor. */
export interface RetiredIntermediate {
  certificate: x509.X509Certificate;
  /** RFC 5280 reason name, as the root's CRL lists it. */
  reason: string | null;
  revokedAt: Date;
}

/**
 * Retirement reasons that say nothing against the retired key: what it signed is still what it
 * claims to be. Any other reason (keyCompromise, cACompromise, unspecified, privilegeWithdrawn…)
 * means the key may have signed forged device certificates.
 */
const KEY_STILL_TRUSTED: ReadonlySet<string> = new Set([
  "superseded",
  "cessationOfOperation",
  "affiliationChanged",
]);

/**
 * A device certificate of a retired intermediate renews onto the successor only when the retirement
 * does not doubt the retired key: otherwise holding such a certificate's key proves nothing (the
 * certificate may be a forgery), and the device must be enrolled again.
 */
export function assertRenewableUnderRetired(retired: RetiredIntermediate, deviceSerialNumber: string): void {
  if (retired.reason !== null && KEY_STILL_TRUSTED.has(retired.reason)) return;
  throw new CaError(
    "reenrolment_required",
    `certificate ${deviceSerialNumber} was issued by the issuing CA ${retired.certificate.serialNumber.toLowerCase()}, retired on ${retired.revokedAt.toISOString()} (${retired.reason ?? "unspecified"}): its certificates cannot be trusted, so it cannot renew; enrol the device again (a bootstrap token or a certificate issued by an operator)`,
  );
}

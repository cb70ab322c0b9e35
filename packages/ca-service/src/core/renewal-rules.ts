import type { CertificateRecord } from "../ports/certificate-store.js";
import { isSameDevice } from "./device-id.js";
import { CaError } from "./errors.js";
import { NOT_BEFORE_BACKDATE_MS } from "./validity.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface RenewalCheck {
  /** Our record of the certificate the proof was signed with; undefined when we have none. */
  current: CertificateRecord | undefined;
  /** DER of the certificate the proof presented. */
  presentedDer: Uint8Array;
  /** The new CSR's CN, already checked to be a valid device ID. */
  requestedDeviceId: string;
  now: Date;
  /** Days after expiry during which a certificate may still renew; 0 = not at all. */
  graceDays: number;
}

/**
 * Whether a proven holder of a certificate may renew it: only a device certificate we issued and
 * recorded, not revoked (revoked certificates never renew), within its validity or the grace period,
 * and only for the same device ID.
 */
export function assertRenewable(check: RenewalCheck): CertificateRecord {
  const { current } = check;
  if (
    current === undefined ||
    current.profile !== "device" ||
    !Buffer.from(current.der).equals(check.presentedDer)
  ) {
    throw refused("the proof's certificate is not a device certificate this CA has on record");
  }
  if (current.status === "revoked") {
    throw refused(`certificate ${current.serialNumber} is revoked; revoked certificates never renew`);
  }
  if (check.now.getTime() < current.notBefore.getTime()) {
    throw refused(
      `certificate ${current.serialNumber} is not valid before ${current.notBefore.toISOString()}`,
    );
  }
  const renewableUntil = current.notAfter.getTime() + check.graceDays * DAY_MS;
  if (check.now.getTime() > renewableUntil) {
    const grace = check.graceDays > 0 ? ` and its ${check.graceDays}-day renewal grace period is over` : "";
    throw refused(`certificate ${current.serialNumber} expired at ${current.notAfter.toISOString()}${grace}`);
  }
  if (current.deviceId === null || !isSameDevice(check.requestedDeviceId, current.deviceId)) {
    const message = `the CSR's CN '${check.requestedDeviceId}' differs from the current certificate's '${current.deviceId}'; renewal keeps the device ID`;
    throw new CaError("renewal_refused", message, { errors: [{ field: "csr", message }] });
  }
  return current;
}

/**
 * A certificate renews once: its successor, not it, is the device's identity from then on. So a copy
 * of an old key cannot fork the identity, nor outlive the revocation of the newest certificate.
 */
export function assertNotRenewed(current: CertificateRecord): void {
  if (current.supersededBy !== null) {
    throw refused(
      `certificate ${current.serialNumber} is already renewed; renew the newest certificate (${current.supersededBy})`,
    );
  }
}

/**
 * A renewed certificate lasts as long as the one it replaces (as step-ca does), so a device issued
 * short-lived certificates keeps getting them; policy and the issuer's expiry still cap it.
 */
export function renewalValidityDays(current: CertificateRecord): number {
  const lifetime = current.notAfter.getTime() - current.notBefore.getTime() - NOT_BEFORE_BACKDATE_MS;
  return Math.max(1, Math.round(lifetime / DAY_MS));
}

function refused(message: string): CaError {
  return new CaError("renewal_refused", message);
}

import type { NotAfterCappedBy } from "@edge-pki/api-contract";
import { CaError } from "./errors.js";
import type { x509 } from "./x509.js";

/**
 * IoT Edge's libiothsm rejects certificates that expire on or after 2038-01-01 (iotedge #1960,
 * #3819: the whole chain), so nothing we issue may expire later than this instant.
 */
export const LATEST_NOT_AFTER = new Date("2037-12-31T23:59:59Z");

/** Whether `certificate` is valid at `now`: from its notBefore to its notAfter, both included. */
export function isValidAt(
  certificate: Pick<x509.X509Certificate, "notBefore" | "notAfter">,
  now: Date,
): boolean {
  const at = now.getTime();
  return certificate.notBefore.getTime() <= at && at <= certificate.notAfter.getTime();
}

/** Back-dating absorbs clock skew between the CA and devices that check notBefore. */
export const NOT_BEFORE_BACKDATE_MS = 5 * 60 * 1000;

const DAY_MS = 24 * 60 * 60 * 1000;

export interface ValidityRequest {
  now: Date;
  /** What the caller asked for; the policy maximum when absent. */
  requestedDays?: number | undefined;
  policyMaxDays: number;
  issuerNotAfter: Date;
  /** Refuse instead of shortening when a limit cuts the requested validity. */
  strict?: boolean | undefined;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** Which limit shortened the requested validity, when one did. */
  cappedBy?: NotAfterCappedBy;
}

/** notAfter is the earliest of the request, the policy, the issuer's expiry and the 2038 limit. */
export function computeValidity(request: ValidityRequest): Validity {
  const notBefore = truncateToSecond(new Date(request.now.getTime() - NOT_BEFORE_BACKDATE_MS));
  const requested = request.requestedDays ?? request.policyMaxDays;
  // Whole seconds: X.509 times carry no fractions, and the stored record must equal the certificate.
  const wanted = truncateToSecond(new Date(request.now.getTime() + requested * DAY_MS));
  // On a tie the more fundamental limit is named: an intermediate that itself ends at the 2038
  // limit cuts certificates because of that limit, not because of its own choice.
  const limits: { by: NotAfterCappedBy; at: Date }[] = [
    { by: "2038-limit", at: LATEST_NOT_AFTER },
    { by: "issuer", at: request.issuerNotAfter },
    { by: "policy", at: truncateToSecond(new Date(request.now.getTime() + request.policyMaxDays * DAY_MS)) },
  ];
  let notAfter = wanted;
  let cappedBy: NotAfterCappedBy | undefined;
  for (const limit of limits) {
    if (limit.at.getTime() < notAfter.getTime()) {
      notAfter = limit.at;
      cappedBy = limit.by;
    }
  }
  if (notAfter.getTime() <= request.now.getTime()) {
    throw new CaError(
      "validity_exceeds_limit",
      `no validity is left: the ${cappedBy ?? "issuer"} limit has passed`,
    );
  }
  if (cappedBy !== undefined && request.strict === true && request.requestedDays !== undefined) {
    const message = `validityDays ${request.requestedDays} would end after the ${describeLimit(cappedBy)} (${notAfter.toISOString()}); strict mode refuses to shorten it`;
    throw new CaError("validity_exceeds_limit", message, { errors: [{ field: "validityDays", message }] });
  }
  return cappedBy === undefined ? { notBefore, notAfter } : { notBefore, notAfter, cappedBy };
}

function describeLimit(by: NotAfterCappedBy): string {
  switch (by) {
    case "policy":
      return "policy maximum";
    case "issuer":
      return "issuing CA's expiry";
    case "2038-limit":
      return "IoT Edge 2038 limit";
  }
}

/** X.509 times carry whole seconds; records keep the same instant so they equal what was signed. */
export function truncateToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

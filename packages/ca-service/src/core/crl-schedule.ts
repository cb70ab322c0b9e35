import { truncateToSecond } from "./validity.js";

/** When a CRL was signed and when it says the next one will be: what decides whether to re-sign. */
export interface CrlPeriod {
  thisUpdate: Date;
  nextUpdate: Date;
}

const HOUR_MS = 60 * 60 * 1000;

/** thisUpdate is now, in whole seconds as the CRL encodes it; nextUpdate `validityHours` later. */
export function crlPeriod(now: Date, validityHours: number): CrlPeriod {
  const thisUpdate = truncateToSecond(now);
  return { thisUpdate, nextUpdate: new Date(thisUpdate.getTime() + validityHours * HOUR_MS) };
}

export interface PublishedCrlState extends CrlPeriod {
  /** The revocation count the CRL was built from. */
  revision: number;
}

/**
 * A CRL is re-signed when none exists, when a revocation happened since it was built, or once half
 * its life has passed: relying parties that fetch just before nextUpdate still get one with time left.
 */
export function isCrlDue(
  published: PublishedCrlState | undefined,
  currentRevision: number,
  now: Date,
): boolean {
  if (published === undefined || published.revision < currentRevision) return true;
  const halfLife = (published.nextUpdate.getTime() - published.thisUpdate.getTime()) / 2;
  return now.getTime() >= published.thisUpdate.getTime() + halfLife;
}

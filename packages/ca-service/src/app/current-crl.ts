import { isCrlDue } from "../core/crl-schedule.js";
import type { CrlIssuer, StoredCrl } from "../ports/certificate-store.js";
import { type CrlDeps, publishCrl } from "./publish-crl.js";

/**
 * `issuer`'s CRL to serve: the stored one while it is fresh, so every replica hands out the same bytes;
 * a newly signed one when it is missing, predates a revocation or is past half its life.
 */
export async function currentCrl(deps: CrlDeps, issuer: CrlIssuer): Promise<StoredCrl> {
  const { crl, revision } = await deps.store.latestCrl(issuer);
  if (crl !== undefined && !isCrlDue(crl, revision, deps.clock.now())) return crl;
  return publishCrl(deps, issuer);
}

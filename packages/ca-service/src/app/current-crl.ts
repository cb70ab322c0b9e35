import { isCrlDue } from "../core/crl-schedule.js";
import type { StoredCrl } from "../ports/certificate-store.js";
import { publishCrl } from "./publish-crl.js";
import type { ServiceContext } from "./service-context.js";

/**
 * The CRL to serve: the stored one while it is fresh, so every replica hands out the same bytes;
 * a newly signed one when it is missing, predates a revocation or is past half its life.
 */
export async function currentCrl(context: ServiceContext): Promise<StoredCrl> {
  const { crl, revision } = await context.store.latestCrl();
  if (crl !== undefined && !isCrlDue(crl, revision, context.clock.now())) return crl;
  return publishCrl(context);
}

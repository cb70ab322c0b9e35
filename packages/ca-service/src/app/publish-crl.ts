import { signCrl } from "../core/crl.js";
import { crlPeriod } from "../core/crl-schedule.js";
import { CaError } from "../core/errors.js";
import type { StoredCrl } from "../ports/certificate-store.js";
import type { ServiceContext } from "./service-context.js";

/**
 * Signs a new CRL and stores it for every replica. The number is allocated before the revoked
 * certificates are read, so a CRL lists every revocation committed before its number: the
 * highest-numbered CRL is always the most complete.
 */
export async function publishCrl(context: ServiceContext): Promise<StoredCrl> {
  const { crlNumber, revision } = await context.store.allocateCrlNumber();
  const period = crlPeriod(context.clock.now(), context.crl.validityHours);
  const entries = await context.store.listRevoked({ unexpiredAt: period.thisUpdate });
  let der: Uint8Array;
  try {
    const crl = await signCrl({ ca: context.ca, crlNumber, ...period, entries });
    der = new Uint8Array(crl.rawData);
  } catch (cause) {
    // The allocated number is skipped: CRL numbers must increase, not be contiguous.
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", "the CA key could not sign the CRL; try again later", { cause });
  }
  const published: StoredCrl = { crlNumber, revision, ...period, der };
  await context.store.publishCrl(published);
  return published;
}

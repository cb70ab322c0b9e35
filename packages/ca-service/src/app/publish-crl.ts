import { signCrl } from "../core/crl.js";
import { crlPeriod } from "../core/crl-schedule.js";
import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import type { CertificateStore, CrlIssuer, StoredCrl } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { CrlPolicy } from "./service-context.js";

/** What signing and publishing a CRL uses. */
export interface CrlDeps {
  ca: Pick<IssuingCa, "signer" | "certificate" | "root" | "rootSigner">;
  store: Pick<CertificateStore, "allocateCrlNumber" | "listRevoked" | "publishCrl" | "latestCrl">;
  clock: Clock;
  crl: CrlPolicy;
}

/**
 * Signs a new CRL of `issuer` and stores it for every replica. The number is allocated before the
 * revoked certificates are read, so a CRL lists every revocation committed before its number: the
 * highest-numbered CRL is always the most complete.
 */
export async function publishCrl(deps: CrlDeps, issuer: CrlIssuer): Promise<StoredCrl> {
  const { crlNumber, revision } = await deps.store.allocateCrlNumber(issuer);
  const period = crlPeriod(deps.clock.now(), deps.crl.validityHours);
  const entries = await deps.store.listRevoked({ issuer, unexpiredAt: period.thisUpdate });
  const ca =
    issuer === "root"
      ? { signer: deps.ca.rootSigner, certificate: deps.ca.root }
      : { signer: deps.ca.signer, certificate: deps.ca.certificate };
  let der: Uint8Array;
  try {
    const crl = await signCrl({ ca, crlNumber, ...period, entries });
    der = new Uint8Array(crl.rawData);
  } catch (cause) {
    // The allocated number is skipped: CRL numbers must increase, not be contiguous.
    if (cause instanceof CaError) throw cause;
    throw new CaError(
      "unavailable",
      `the ${issuer === "root" ? "root" : "CA"} key could not sign the CRL; try again later`,
      { cause },
    );
  }
  const published: StoredCrl = { crlNumber, revision, ...period, der };
  await deps.store.publishCrl(issuer, published);
  return published;
}

import { isCrlOf } from "../core/crl.js";
import { isCrlDue } from "../core/crl-schedule.js";
import { subjectKeyIdOf } from "../core/profiles.js";
import type { x509 } from "../core/x509.js";
import type { CrlIssuer, StoredCrl } from "../ports/certificate-store.js";
import { type CrlDeps, publishCrl } from "./publish-crl.js";

/**
 * `issuer`'s CRL to serve: the stored one while it is fresh, so every replica hands out the same bytes;
 * a newly signed one when it is missing, predates a revocation, is past half its life or was signed
 * by an intermediate since replaced.
 */
export async function currentCrl(deps: CrlDeps, issuer: CrlIssuer): Promise<StoredCrl> {
  const { crl, revision } = await deps.store.latestCrl(issuer);
  const signer = issuer === "root" ? deps.ca.root : deps.ca.certificate;
  if (crl !== undefined && isSignersCrl(crl, signer) && !isCrlDue(crl, revision, deps.clock.now()))
    return crl;
  return publishCrl(deps, issuer);
}

/** The CRL number last found to be each signer's (by key id): a large CRL is parsed once, not per fetch. */
const signersCrlNumbers = new Map<string, number>();

function isSignersCrl(crl: StoredCrl, signer: x509.X509Certificate): boolean {
  const keyId = subjectKeyIdOf(signer);
  if (signersCrlNumbers.get(keyId) === crl.crlNumber) return true;
  if (!isCrlOf(crl.der, signer)) return false;
  signersCrlNumbers.set(keyId, crl.crlNumber);
  return true;
}

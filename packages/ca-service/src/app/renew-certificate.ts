import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { deviceIdentity } from "../core/principal.js";
import {
  assertProofNamesCsr,
  PROOF_LEEWAY_SECONDS,
  type VerifiedRenewalProof,
} from "../core/renewal-proof.js";
import { assertNotRenewed, assertRenewable, renewalValidityDays } from "../core/renewal-rules.js";
import { assertRenewableUnderRetired, type RetiredIntermediate } from "../core/retired-intermediate.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import { type IssuanceDeps, issueDeviceCertificate } from "./issuance/issue-device-certificate.js";
import type { IssuedDeviceCertificate } from "./issued-certificate.js";
import { recordDenial } from "./record-denial.js";
import type { RenewalPolicy } from "./service-context.js";

/** Refusals of a renewal that are audited: the proof does not hold, or the certificate may not renew. */
const REFUSALS = new Set(["proof_invalid", "renewal_refused", "reenrolment_required"]);

export interface RenewalDeps extends IssuanceDeps {
  store: IssuanceDeps["store"] & Pick<CertificateStore, "consumeRenewalProof" | "appendAudit">;
  renewal: Pick<RenewalPolicy, "graceDays">;
  /** Intermediates retired so far: a certificate of one renews only if its retirement allows. */
  retiredIntermediates: readonly RetiredIntermediate[];
}

export interface RenewalRequest {
  /** PKCS#10 for the new certificate: PEM text or DER bytes. */
  csr: string | Uint8Array;
  /** The device, as its verified renewal proof established it (the proof's certificate's CN). */
  deviceId: string;
  proof: VerifiedRenewalProof;
}

/**
 * Renews a device certificate for whoever proved they hold its key: no token needed. The proof's
 * signature and chain are already verified (proof-of-possession authentication); here it must name
 * this CSR, its certificate must still be renewable, and its jti is consumed only once every other
 * check passed, so a refused request leaves nothing behind but its audit entry.
 */
export async function renewCertificate(
  deps: RenewalDeps,
  request: RenewalRequest,
): Promise<IssuedDeviceCertificate> {
  const { proof } = request;
  const csr = await verifyCsr(request.csr);
  const requestedDeviceId = deviceIdForCsr(csr.commonNames, undefined);
  const now = deps.clock.now();
  try {
    assertProofNamesCsr(proof, csr.der);
    assertIssuerMayRenew(deps, proof);
    const current = assertRenewable({
      current: await deps.store.findBySerialNumber(proof.certificate.serialNumber.toLowerCase()),
      presentedDer: new Uint8Array(proof.certificate.rawData),
      requestedDeviceId,
      now,
      graceDays: deps.renewal.graceDays,
    });
    const firstUse = await deps.store.consumeRenewalProof({
      jti: proof.jti,
      keepUntil: new Date(proof.expiresAt.getTime() + PROOF_LEEWAY_SECONDS * 1000),
      now,
    });
    if (!firstUse) {
      const message = "this proof's jti was already used; sign a new proof";
      throw new CaError("proof_invalid", message, { errors: [{ field: "proof", message }] });
    }
    // Checked early here, enforced by the store: of two racing renewals only one commits.
    assertNotRenewed(current);
    return await issueDeviceCertificate(deps, {
      deviceId: requestedDeviceId,
      publicKeySpki: csr.publicKeySpki,
      keyAlgorithm: csr.keyAlgorithm,
      validityDays: renewalValidityDays(current),
      requester: deviceIdentity(requestedDeviceId),
      action: "certificate.renew",
      auditDetails: { previousSerialNumber: current.serialNumber },
      supersedes: current.serialNumber,
    });
  } catch (error) {
    if (error instanceof CaError && REFUSALS.has(error.code)) {
      // The refusal stands even when the store cannot record it.
      await recordDenial(deps, {
        actor: deviceIdentity(request.deviceId),
        action: "renewal.refused",
        target: request.deviceId,
        reason: error.message,
        details: { code: error.code, serialNumber: proof.certificate.serialNumber.toLowerCase() },
      }).catch(() => undefined);
    }
    throw error;
  }
}

/** A certificate of the intermediate in use renews; one of a retired intermediate, as its retirement says. */
function assertIssuerMayRenew(deps: RenewalDeps, proof: VerifiedRenewalProof): void {
  const issuerSerial = proof.issuer.serialNumber.toLowerCase();
  if (issuerSerial === deps.ca.certificate.serialNumber.toLowerCase()) return;
  const retired = deps.retiredIntermediates.find(
    (entry) => entry.certificate.serialNumber.toLowerCase() === issuerSerial,
  );
  if (retired === undefined)
    throw new CaError("internal", `intermediate ${issuerSerial} is neither in use nor retired`);
  assertRenewableUnderRetired(retired, proof.certificate.serialNumber.toLowerCase());
}

import type { IssuedCertificate, RenewRequest } from "@edge-pki/api-contract";
import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { deviceIdentity, identityOf, type Principal } from "../core/principal.js";
import {
  assertProofNamesCsr,
  deviceIdOfProof,
  PROOF_LEEWAY_SECONDS,
  type VerifiedRenewalProof,
  verifyRenewalProof,
} from "../core/renewal-proof.js";
import { assertNotRenewed, assertRenewable, renewalValidityDays } from "../core/renewal-rules.js";
import { recordDenial } from "./record-denial.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/** Refusals of a renewal that are audited: the proof does not hold, or the certificate may not renew. */
const REFUSALS = new Set(["proof_invalid", "renewal_refused"]);

/**
 * Renews a device certificate for whoever proves they hold its key: no token needed. The proof's
 * jti is consumed only once every other check passed, so a refused request leaves nothing behind
 * but its audit entry.
 */
export async function renewCertificate(
  context: ServiceContext,
  request: RenewRequest,
  caller: Principal,
): Promise<IssuedCertificate> {
  const csr = await verifyCsr(request.csr);
  const requestedDeviceId = deviceIdForCsr(csr.commonNames, undefined);
  const now = context.clock.now();
  let proof: VerifiedRenewalProof | undefined;
  try {
    proof = await verifyRenewalProof({
      proof: request.proof,
      issuer: context.ca.certificate,
      audiences: context.renewal.audiences,
      now,
    });
    assertProofNamesCsr(proof, csr.der);
    const current = assertRenewable({
      current: await context.store.findBySerialNumber(proof.certificate.serialNumber.toLowerCase()),
      presentedDer: new Uint8Array(proof.certificate.rawData),
      requestedDeviceId,
      now,
      graceDays: context.renewal.graceDays,
    });
    const firstUse = await context.store.consumeRenewalProof({
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
    return await signAndRecord(context, {
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
      await auditRefusal(context, error, proof, caller);
    }
    throw error;
  }
}

/**
 * Records a refused renewal: as the device when the proof verified (its certificate is ours), as the
 * anonymous caller otherwise. The refusal stands even when the store cannot record it.
 */
async function auditRefusal(
  context: ServiceContext,
  error: CaError,
  proof: VerifiedRenewalProof | undefined,
  caller: Principal,
): Promise<void> {
  const deviceId = proof && deviceIdOfProof(proof);
  await recordDenial(context, {
    actor: deviceId === undefined ? identityOf(caller) : deviceIdentity(deviceId),
    action: "renewal.refused",
    target: deviceId ?? "POST /v1/certificates/renew",
    reason: error.message,
    details: {
      code: error.code,
      ...(proof && { serialNumber: proof.certificate.serialNumber.toLowerCase() }),
    },
  }).catch(() => undefined);
}

import type { IssuedCertificate, RenewRequest } from "@edge-pki/api-contract";
import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { deviceIdentity } from "../core/principal.js";
import { PROOF_LEEWAY_SECONDS, verifyRenewalProof } from "../core/renewal-proof.js";
import { assertRenewable, renewalValidityDays } from "../core/renewal-rules.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/**
 * Renews a device certificate for whoever proves they hold its key: no token needed. The proof's
 * jti is consumed only once every other check passed, so a refused request leaves nothing behind.
 */
export async function renewCertificate(
  context: ServiceContext,
  request: RenewRequest,
): Promise<IssuedCertificate> {
  const csr = await verifyCsr(request.csr);
  const requestedDeviceId = deviceIdForCsr(csr.commonNames, undefined);
  const now = context.clock.now();
  const proof = await verifyRenewalProof({
    proof: request.proof,
    issuer: context.ca.certificate,
    audiences: context.renewal.audiences,
    now,
    csrDer: csr.der,
  });
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
  return signAndRecord(context, {
    deviceId: requestedDeviceId,
    publicKeySpki: csr.publicKeySpki,
    keyAlgorithm: csr.keyAlgorithm,
    validityDays: renewalValidityDays(current),
    requester: deviceIdentity(requestedDeviceId),
    action: "certificate.renew",
    auditDetails: { previousSerialNumber: current.serialNumber },
  });
}

import type { IssueCertificateRequest, IssuedCertificate } from "@edge-pki/api-contract";
import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/** Issues a device certificate for a key the device generated and proved it holds. */
export async function issueFromCsr(
  context: ServiceContext,
  request: IssueCertificateRequest,
  requester: string,
): Promise<IssuedCertificate> {
  const csr = await verifyCsr(request.csr);
  const deviceId = deviceIdForCsr(csr.commonNames, request.deviceId);
  return signAndRecord(context, {
    deviceId,
    publicKeySpki: csr.publicKeySpki,
    keyAlgorithm: csr.keyAlgorithm,
    validityDays: request.validityDays,
    strict: request.strict,
    requester,
    action: "certificate.issue",
  });
}

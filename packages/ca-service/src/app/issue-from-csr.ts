import type { IssueCertificateRequest, IssuedCertificate } from "@edge-pki/api-contract";
import { assertMayIssueFor } from "../core/authorize.js";
import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import { identityOf, type Principal } from "../core/principal.js";
import { type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import { tokenToRedeem } from "./redeem-bootstrap-token.js";
import type { ServiceContext } from "./service-context.js";
import { signAndRecord } from "./sign-and-record.js";

/**
 * Issues a device certificate for a key the device generated and proved it holds; the only
 * issuance a one-time bootstrap token can pay for. What the caller may issue for is checked before
 * anything else, also before a retry is answered from its first response.
 */
export async function issueFromCsr(
  context: ServiceContext,
  request: IssueCertificateRequest,
  principal: Principal,
  idempotency?: IdempotencyRequest,
): Promise<IssuedCertificate> {
  const csr = await verifyCsr(request.csr);
  const deviceId = deviceIdForCsr(csr.commonNames, request.deviceId);
  assertMayIssueFor(principal, deviceId, "csr");
  return runIdempotent(context, identityOf(principal), idempotency, {
    perform: async (record) =>
      signAndRecord(context, {
        deviceId,
        publicKeySpki: csr.publicKeySpki,
        keyAlgorithm: csr.keyAlgorithm,
        validityDays: request.validityDays,
        strict: request.strict,
        requester: identityOf(principal),
        action: "certificate.issue",
        consumeToken: await tokenToRedeem(context, principal),
        idempotency: record,
      }),
    replay: async (stored) => stored.body as IssuedCertificate,
  });
}

import { assertMayIssueFor } from "../core/authorize.js";
import { verifyCsr } from "../core/csr.js";
import { deviceIdForCsr } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { identityOf, type Principal } from "../core/principal.js";
import { type IdempotencyDeps, type IdempotencyRequest, runIdempotent } from "./idempotency.js";
import { type IssuanceDeps, issueDeviceCertificate } from "./issuance/issue-device-certificate.js";
import { type IssuedDeviceCertificate, recalledIssuance, type StoredIssuance } from "./issued-certificate.js";
import { tokenToRedeem } from "./redeem-bootstrap-token.js";

export interface IssueFromCsrRequest {
  /** PKCS#10: PEM text or DER bytes. */
  csr: string | Uint8Array;
  /** When given, must equal the CSR's CN (or stand in for a CSR without one). */
  deviceId?: string | undefined;
  validityDays?: number | undefined;
  strict?: boolean | undefined;
  principal: Principal;
  idempotency?: IdempotencyRequest | undefined;
}

/**
 * Issues a device certificate for a key the device generated and proved it holds; the only
 * issuance a one-time bootstrap token can pay for. What the caller may issue for is checked before
 * anything else, also before a retry is answered from its first response.
 */
export async function issueFromCsr(
  deps: IssuanceDeps & IdempotencyDeps,
  request: IssueFromCsrRequest,
): Promise<IssuedDeviceCertificate> {
  const { principal } = request;
  const csr = await verifyCsr(request.csr);
  const deviceId = deviceIdForCsr(csr.commonNames, request.deviceId);
  assertMayIssueFor(principal, deviceId, "csr");
  const issuance = runIdempotent(deps, principal, request.idempotency, {
    name: "issueCertificate",
    perform: async (record) =>
      issueDeviceCertificate(deps, {
        deviceId,
        publicKeySpki: csr.publicKeySpki,
        keyAlgorithm: csr.keyAlgorithm,
        validityDays: request.validityDays,
        strict: request.strict,
        requester: identityOf(principal),
        action: "certificate.issue",
        consumeToken: await tokenToRedeem(deps, principal),
        idempotency: record,
      }),
    replay: (stored) => recalledIssuance(deps, stored.body as StoredIssuance),
  });
  if (principal.bootstrap === undefined) return issuance;
  // A bootstrap token's key namespace holds only the request that used it: anything else sent with
  // it is another use of a used token.
  return issuance.catch((error: unknown) => {
    if (error instanceof CaError && error.code === "idempotency_conflict") {
      throw new CaError("token_used", "token already used", { cause: error });
    }
    throw error;
  });
}

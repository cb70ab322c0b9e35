import { verifyCsr } from "../core/csr.js";
import { CaError } from "../core/errors.js";
import {
  csrRequestOf,
  decideEstEnrollment,
  type EdgeCaPolicy,
  type EstCredential,
} from "../core/est-enrollment.js";
import type { EstCredentialStore } from "../ports/est-credential-store.js";
import { refuseBlockedEstDevice } from "./est-device-blocks.js";
import { type IssuanceDeps, issueDeviceCertificate } from "./issuance/issue-device-certificate.js";
import type { IssuedDeviceCertificate } from "./issued-certificate.js";

export interface EstEnrollmentRequest {
  operation: "simpleenroll" | "simplereenroll";
  /** The PKCS#10 request, DER. */
  csr: Uint8Array;
  credential: EstCredential;
  /** Who asked, for the record and the audit log. */
  requester: string;
  edgeCa: EdgeCaPolicy;
  /** The CA label of the URL, when there was one: kept in the audit entry. */
  label: string | undefined;
}

/**
 * EST simpleenroll and simplereenroll (RFC 7030 §4.2): the profile comes from how the client
 * authenticated and what its CSR asks (core/est-enrollment.ts), for a device not blocked from EST;
 * the certificate is signed and recorded with its audit entry like every other, and a reenrolment
 * supersedes the certificate it renews in the same transaction, once only.
 */
export async function enrollOverEst(
  deps: IssuanceDeps & { store: Pick<EstCredentialStore, "findEstDeviceBlock"> },
  request: EstEnrollmentRequest,
): Promise<IssuedDeviceCertificate> {
  const csr = await verifyCsr(request.csr);
  const decision = decideEstEnrollment({
    operation: request.operation,
    credential: request.credential,
    csr: csrRequestOf(csr.der),
    edgeCa: request.edgeCa,
    caCommonNames: [deps.ca.root, deps.ca.certificate].flatMap((ca) => ca.subjectName.getField("2.5.4.3")),
  });
  await refuseBlockedEstDevice(deps, decision.deviceId);
  if (decision.supersedes !== undefined) {
    const current = await deps.store.findBySerialNumber(decision.supersedes);
    if (current?.supersededBy != null) {
      throw new CaError("forbidden", `certificate ${decision.supersedes} was already renewed`);
    }
  }
  return issueDeviceCertificate(deps, {
    deviceId: decision.deviceId,
    profile:
      decision.profile === "device" ? undefined : { kind: decision.profile, commonName: decision.commonName },
    publicKeySpki: csr.publicKeySpki,
    keyAlgorithm: csr.keyAlgorithm,
    requester: request.requester,
    action: request.operation === "simpleenroll" ? "est.enroll" : "est.reenroll",
    auditDetails: {
      profile: decision.profile,
      ...(request.label !== undefined && { label: request.label }),
      ...(decision.supersedes !== undefined && { previousSerialNumber: decision.supersedes }),
    },
    supersedes: decision.supersedes,
  });
}

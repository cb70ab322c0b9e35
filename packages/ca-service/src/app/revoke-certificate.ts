import type { RevocationReason } from "@edge-pki/api-contract";
import { CaError } from "../core/errors.js";
import { identityOf, type Principal } from "../core/principal.js";
import { truncateToSecond } from "../core/validity.js";
import type { CertificateRecord, CertificateStore } from "../ports/certificate-store.js";
import { type CrlDeps, publishCrl } from "./publish-crl.js";

export interface RevocationDeps extends CrlDeps {
  store: CrlDeps["store"] & Pick<CertificateStore, "revoke">;
}

export interface RevocationRequest {
  serialNumber: string;
  reason: RevocationReason;
  principal: Principal;
}

/**
 * Revokes a certificate for good and re-signs the CRL. Asking again with the same reason is a
 * harmless retry and returns the record unchanged; another reason is a conflict, because a
 * revocation, once published, is not rewritten.
 */
export async function revokeCertificate(
  deps: RevocationDeps,
  { serialNumber, reason, principal }: RevocationRequest,
): Promise<CertificateRecord> {
  // Whole seconds: the CRL's revocation date must equal the recorded one.
  const at = truncateToSecond(deps.clock.now());
  const result = await deps.store.revoke({
    serialNumber,
    reason,
    at,
    audit: {
      at,
      actor: identityOf(principal),
      action: "certificate.revoke",
      target: serialNumber,
      outcome: "success",
      details: { reason },
    },
  });
  if (result === undefined) {
    throw new CaError("not_found", `no certificate has serial number ${serialNumber}`);
  }
  const { record } = result;
  if (!result.changed) {
    if (record.revocationReason === reason) return record;
    throw new CaError(
      "already_revoked",
      `certificate ${serialNumber} was already revoked at ${record.revokedAt?.toISOString()} (${record.revocationReason}); a revocation is final`,
    );
  }
  try {
    await publishCrl(deps);
  } catch (cause) {
    // The revocation is committed; the stored CRL is now stale and the next fetch re-signs it.
    throw new CaError(
      "unavailable",
      `certificate ${serialNumber} is revoked, but the CRL could not be re-signed yet; GET /v1/crl will retry`,
      { cause },
    );
  }
  return record;
}

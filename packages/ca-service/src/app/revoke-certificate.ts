import type { RevocationReason } from "@edge-pki/api-contract";
import { CaError } from "../core/errors.js";
import { identityOf, type Principal } from "../core/principal.js";
import { type Profile, signingCaOf } from "../core/profiles.js";
import { truncateToSecond } from "../core/validity.js";
import type { CertificateRecord, CertificateStore } from "../ports/certificate-store.js";
import type { AuditSummaries } from "./audit-summaries.js";
import { type CrlDeps, publishCrl } from "./publish-crl.js";

export interface RevocationDeps extends CrlDeps {
  store: CrlDeps["store"] & Pick<CertificateStore, "revoke" | "findBySerialNumber">;
  /** Refused revocations are audited, summarised per caller and minute. */
  auditSummaries: Pick<AuditSummaries, "record">;
}

export interface RevocationRequest {
  serialNumber: string;
  reason: RevocationReason;
  principal: Principal;
}

/**
 * Revokes a device certificate for good and re-signs the issuing CA's CRL. Asking again with the same
 * reason is a harmless retry and returns the record unchanged; another reason is a conflict, because a
 * revocation, once published, is not rewritten. The CA's own certificates are refused: putting them
 * on the intermediate's CRL would change nothing while issuance and tokens carried on.
 */
export async function revokeCertificate(
  deps: RevocationDeps,
  request: RevocationRequest,
): Promise<CertificateRecord> {
  try {
    return await revoke(deps, request);
  } catch (error) {
    if (error instanceof CaError && REFUSALS.has(error.code)) {
      deps.auditSummaries.record({
        actor: identityOf(request.principal),
        action: "certificate.revoke",
        target: request.serialNumber,
        outcome: "failure",
        details: { code: error.code, reason: error.message },
      });
    }
    throw error;
  }
}

/** Refusals of a revocation that are audited: no such certificate, already revoked, not revocable here. */
const REFUSALS = new Set(["not_found", "already_revoked", "not_revocable"]);

/**
 * End entities: device certificates, and verification certificates (which a revocation lists on the
 * CRL of the CA that signed them). The CA's own certificates are retired by an operator procedure.
 */
const REVOCABLE: ReadonlySet<Profile> = new Set([
  "device",
  "est-identity",
  "edge-ca",
  "est-server",
  "root-verification",
  "intermediate-verification",
]);

async function revoke(
  deps: RevocationDeps,
  { serialNumber, reason, principal }: RevocationRequest,
): Promise<CertificateRecord> {
  const existing = await deps.store.findBySerialNumber(serialNumber);
  if (existing === undefined)
    throw new CaError("not_found", `no certificate has serial number ${serialNumber}`);
  const crlIssuer = signingCaOf(existing.profile);
  if (!REVOCABLE.has(existing.profile) || crlIssuer === undefined) {
    throw new CaError(
      "not_revocable",
      `certificate ${serialNumber} is the CA's ${existing.profile} certificate; it is not revoked here. To retire a compromised issuing CA, see docs/operations.md`,
    );
  }
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
    await publishCrl(deps, crlIssuer);
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

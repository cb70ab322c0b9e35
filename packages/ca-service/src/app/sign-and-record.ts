import type { IssuedCertificate } from "@edge-pki/api-contract";
import { fullChainPem, signDeviceCertificate } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import type { KeyAlgorithm } from "../core/key-algorithms.js";
import { assertNotRenewed } from "../core/renewal-rules.js";
import { randomSerialNumber } from "../core/serial-number.js";
import { computeValidity } from "../core/validity.js";
import type { ConsumedToken } from "../ports/certificate-store.js";
import { certificateRecord } from "./certificate-record.js";
import type { IdempotencyRecorder } from "./idempotency.js";
import type { ServiceContext } from "./service-context.js";

export interface SignAndRecordRequest {
  deviceId: string;
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  validityDays?: number | undefined;
  strict?: boolean | undefined;
  /** Who asked, for the record and the audit log. */
  requester: string;
  action: string;
  /** Added to the audit entry's details, such as the serial a renewal replaces. */
  auditDetails?: Record<string, unknown>;
  /** A one-time token this issuance redeems, in the same transaction. */
  consumeToken?: ConsumedToken | undefined;
  /** Stores the response for retries with the same key, in the same transaction. */
  idempotency?: IdempotencyRecorder | undefined;
  /** The certificate a renewal replaces: marked superseded in the same transaction, once only. */
  supersedes?: string | undefined;
}

/**
 * Signs a device certificate and commits it, with its audit entry, before anything is returned.
 * If the commit fails the certificate is dropped: no certificate leaves the CA unrecorded.
 */
export async function signAndRecord(
  context: ServiceContext,
  request: SignAndRecordRequest,
): Promise<IssuedCertificate> {
  const now = context.clock.now();
  const validity = computeValidity({
    now,
    requestedDays: request.validityDays,
    policyMaxDays: context.policy.maxValidityDays,
    issuerNotAfter: context.ca.certificate.notAfter,
    strict: request.strict,
  });
  const serialNumber = randomSerialNumber(context.random);
  let certificate: Awaited<ReturnType<typeof signDeviceCertificate>>;
  try {
    certificate = await signDeviceCertificate({
      ca: context.ca,
      deviceId: request.deviceId,
      publicKeySpki: request.publicKeySpki,
      keyAlgorithm: request.keyAlgorithm,
      validity,
      serialNumber,
      crlDistributionPoint: context.policy.crlDistributionPoint,
    });
  } catch (cause) {
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", "the CA key could not sign; try again later", { cause });
  }
  const record = certificateRecord(certificate, {
    profile: "device",
    deviceId: request.deviceId,
    keyAlgorithm: request.keyAlgorithm,
    issuedAt: now,
    requester: request.requester,
  });
  const issued: IssuedCertificate = {
    serialNumber,
    deviceId: request.deviceId,
    certificatePem: certificate.toString("pem"),
    fullChainPem: fullChainPem(certificate, context.ca),
    notBefore: validity.notBefore.toISOString(),
    notAfter: validity.notAfter.toISOString(),
  };
  if (validity.cappedBy !== undefined) issued.notAfterCappedBy = validity.cappedBy;
  try {
    await context.store.recordIssuance({
      certificate: record,
      audit: {
        at: now,
        actor: request.requester,
        action: request.action,
        target: request.deviceId,
        outcome: "success",
        details: {
          serialNumber,
          notAfter: validity.notAfter.toISOString(),
          keyAlgorithm: request.keyAlgorithm,
          ...request.auditDetails,
          ...(request.consumeToken && { tokenId: request.consumeToken.tokenId }),
        },
      },
      consumeToken: request.consumeToken,
      idempotency: request.idempotency?.(201, issued),
      ...(request.supersedes !== undefined && { supersedes: request.supersedes }),
    });
  } catch (cause) {
    // The transaction failed as a whole; if the token is now recorded as used, another request
    // (maybe on another replica) redeemed it first.
    const token = request.consumeToken;
    if (token && (await context.store.isTokenUsed(token.tokenId).catch(() => false))) {
      throw new CaError("token_used", "token already used", { cause });
    }
    // Likewise, another renewal of the same certificate may have committed first.
    const replaced = request.supersedes;
    const current = replaced && (await context.store.findBySerialNumber(replaced).catch(() => undefined));
    if (current) assertNotRenewed(current);
    throw new CaError(
      "unavailable",
      "the certificate could not be recorded, so it was not issued; try again",
      {
        cause,
      },
    );
  }
  return issued;
}

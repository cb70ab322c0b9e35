import { factsOf } from "../../core/certificate-facts.js";
import type { DeviceCertificateFields, IssuingCa } from "../../core/device-certificate.js";
import { DeviceCertificateWriter } from "../../core/device-certificate-writer.js";
import { CaError } from "../../core/errors.js";
import { signEstCertificate } from "../../core/est-certificate.js";
import type { EstProfile } from "../../core/est-enrollment.js";
import type { KeyAlgorithm } from "../../core/key-algorithms.js";
import { randomSerialNumber } from "../../core/serial-number.js";
import { computeValidity } from "../../core/validity.js";
import type { CertificateStore, ConsumedToken } from "../../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../../ports/clock.js";
import type { IdempotencyRecorder } from "../idempotency.js";
import { type IssuedDeviceCertificate, issuingChainDer, storedIssuance } from "../issued-certificate.js";
import type { IssuancePolicy } from "../service-context.js";
import { explainFailedCommit } from "./explain-failed-commit.js";
import { recordIssuance } from "./record-issuance.js";
import { signForDevice } from "./sign-device-certificate.js";

/** What issuing a device certificate uses. */
export interface IssuanceDeps {
  ca: IssuingCa;
  store: Pick<CertificateStore, "recordIssuance" | "isTokenUsed" | "findBySerialNumber">;
  clock: Clock;
  random: RandomBytes;
  policy: IssuancePolicy;
}

export interface DeviceIssuanceRequest {
  deviceId: string;
  /**
   * `device` (the default) takes the hot path with CN = the device ID; an EST identity or an Edge CA
   * (CN = `commonName`) the general one. Every profile is recorded under the device ID.
   */
  profile?: { kind: Exclude<EstProfile, "device">; commonName: string } | undefined;
  publicKeySpki: Uint8Array;
  keyAlgorithm: KeyAlgorithm;
  validityDays?: number | undefined;
  strict?: boolean | undefined;
  /** Who asked, for the record and the audit log. */
  requester: string;
  action: string;
  auditDetails?: Record<string, unknown>;
  /** A one-time token this issuance redeems, in the same transaction. */
  consumeToken?: ConsumedToken | undefined;
  /** Stores what a retry with the same key replays, in the same transaction. */
  idempotency?: IdempotencyRecorder | undefined;
  /** The certificate a renewal replaces: marked superseded in the same transaction, once only. */
  supersedes?: string | undefined;
}

/**
 * Signs a device certificate and commits it, with its audit entry, before anything is returned.
 * If the commit fails the certificate is dropped: no certificate leaves the CA unrecorded.
 */
export async function issueDeviceCertificate(
  deps: IssuanceDeps,
  request: DeviceIssuanceRequest,
): Promise<IssuedDeviceCertificate> {
  const now = deps.clock.now();
  const validity = computeValidity({
    now,
    requestedDays: request.validityDays,
    policyMaxDays: deps.policy.maxValidityDays,
    issuerNotAfter: deps.ca.certificate.notAfter,
    strict: request.strict,
  });
  const serialNumber = randomSerialNumber(deps.random);
  const fields = {
    deviceId: request.deviceId,
    publicKeySpki: request.publicKeySpki,
    keyAlgorithm: request.keyAlgorithm,
    validity,
    serialNumber,
  };
  const certificate =
    request.profile === undefined
      ? await signForDevice(DeviceCertificateWriter.for(deps.ca, deps.policy.crlDistributionPoint), fields)
      : factsOf(await signOtherProfile(deps, request.profile, fields));
  const issued: IssuedDeviceCertificate = {
    serialNumber,
    deviceId: request.deviceId,
    certificateDer: certificate.der,
    chainDer: issuingChainDer(deps.ca),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
  };
  if (validity.cappedBy !== undefined) issued.notAfterCappedBy = validity.cappedBy;
  const effects = {
    consumeToken: request.consumeToken,
    idempotency: request.idempotency?.(201, storedIssuance(issued)),
    supersedes: request.supersedes,
  };
  try {
    await recordIssuance(deps.store, {
      certificate,
      profile: request.profile?.kind ?? "device",
      deviceId: request.deviceId,
      keyAlgorithm: request.keyAlgorithm,
      issuedAt: now,
      requester: request.requester,
      action: request.action,
      auditDetails: request.auditDetails,
      ...effects,
    });
  } catch (cause) {
    throw await explainFailedCommit(deps.store, effects, cause);
  }
  return issued;
}

async function signOtherProfile(
  deps: IssuanceDeps,
  profile: NonNullable<DeviceIssuanceRequest["profile"]>,
  fields: DeviceCertificateFields,
) {
  try {
    return await signEstCertificate({
      ...fields,
      ca: deps.ca,
      profile: profile.kind,
      commonName: profile.commonName,
      crlDistributionPoint: deps.policy.crlDistributionPoint,
    });
  } catch (cause) {
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", "the CA key could not sign; try again later", { cause });
  }
}

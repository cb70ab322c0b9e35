import type { VerificationIssuer } from "@edge-pki/api-contract";
import { verifyCsr } from "../core/csr.js";
import type { IssuingCa } from "../core/device-certificate.js";
import { CaError } from "../core/errors.js";
import { identityOf, type Principal } from "../core/principal.js";
import { randomSerialNumber } from "../core/serial-number.js";
import {
  signVerificationCertificate,
  VERIFICATION_PROFILES,
  verificationCodeOf,
} from "../core/verification-certificate.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import { certificateRecord } from "./certificate-record.js";

/** What signing a verification certificate uses. */
export interface VerificationDeps {
  ca: IssuingCa;
  store: Pick<CertificateStore, "recordIssuance">;
  clock: Clock;
  random: RandomBytes;
}

export interface VerificationRequest {
  /** PKCS#10, PEM: subject CN = the verification code. */
  csr: string;
  issuer: VerificationIssuer;
  principal: Principal;
}

/** A verification certificate as signed: DER and domain values. */
export interface IssuedVerificationCertificate {
  serialNumber: string;
  verificationCode: string;
  issuer: VerificationIssuer;
  certificateDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Proof of possession for DPS (and IoT Hub): signs a one-hour certificate whose CN is the
 * verification code with the key of the CA certificate uploaded there. Like every certificate the CA
 * signs, it is recorded with its audit entry in one transaction before it is returned, and a
 * revoked one is listed on its signer's CRL.
 */
export async function issueVerificationCertificate(
  deps: VerificationDeps,
  request: VerificationRequest,
): Promise<IssuedVerificationCertificate> {
  const csr = await verifyCsr(request.csr);
  const verificationCode = verificationCodeOf(csr.commonNames);
  const now = deps.clock.now();
  const serialNumber = randomSerialNumber(deps.random);
  let certificate: Awaited<ReturnType<typeof signVerificationCertificate>>;
  try {
    certificate = await signVerificationCertificate({
      ca: deps.ca,
      issuer: request.issuer,
      verificationCode,
      publicKeySpki: csr.publicKeySpki,
      serialNumber,
      now,
    });
  } catch (cause) {
    if (cause instanceof CaError) throw cause;
    throw new CaError("unavailable", `the ${request.issuer} key could not sign; try again later`, { cause });
  }
  const requester = identityOf(request.principal);
  const record = certificateRecord(certificate, {
    profile: VERIFICATION_PROFILES[request.issuer],
    deviceId: null,
    keyAlgorithm: csr.keyAlgorithm,
    issuedAt: now,
    requester,
  });
  try {
    await deps.store.recordIssuance({
      certificate: record,
      audit: {
        at: now,
        actor: requester,
        action: "verification-certificate.issue",
        target: verificationCode,
        outcome: "success",
        details: {
          serialNumber: record.serialNumber,
          issuer: request.issuer,
          notAfter: record.notAfter.toISOString(),
        },
      },
    });
  } catch (cause) {
    throw new CaError(
      "unavailable",
      "the certificate could not be recorded, so it was not issued; try again",
      {
        cause,
      },
    );
  }
  return {
    serialNumber: record.serialNumber,
    verificationCode,
    issuer: request.issuer,
    certificateDer: record.der,
    notBefore: record.notBefore,
    notAfter: record.notAfter,
  };
}

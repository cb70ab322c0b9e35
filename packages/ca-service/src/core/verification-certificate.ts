import type { VerificationIssuer } from "@edge-pki/api-contract";
import { VERIFICATION_CODE_PATTERN } from "@edge-pki/api-contract";
import type { IssuingCa } from "./device-certificate.js";
import { CaError } from "./errors.js";
import { commonNameOnly, type Profile, subjectKeyIdOf, verificationExtensions } from "./profiles.js";
import { signCertificate } from "./sign-certificate.js";
import { computeValidity } from "./validity.js";
import type { x509 } from "./x509.js";

/** One hour: DPS's verification codes expire about as fast, and nothing else needs the certificate. */
export const VERIFICATION_VALIDITY_DAYS = 1 / 24;

export const VERIFICATION_PROFILES: Readonly<Record<VerificationIssuer, Profile>> = {
  root: "root-verification",
  intermediate: "intermediate-verification",
};

export interface VerificationCertificateRequest {
  ca: IssuingCa;
  issuer: VerificationIssuer;
  verificationCode: string;
  publicKeySpki: Uint8Array;
  serialNumber: string;
  now: Date;
}

/** The CN of a verification CSR: exactly one, and a verification code. */
export function verificationCodeOf(commonNames: readonly string[]): string {
  const [code] = commonNames;
  if (commonNames.length !== 1 || code === undefined || !VERIFICATION_CODE_PATTERN.test(code)) {
    const message =
      "the CSR's subject must be exactly one CN holding the verification code (1 to 128 of A-Z a-z 0-9 . _ : -)";
    throw new CaError("invalid_csr", message, { errors: [{ field: "csr", message }] });
  }
  return code;
}

/** Signs a verification certificate with the root's or the intermediate's key, for one hour. */
export async function signVerificationCertificate(
  request: VerificationCertificateRequest,
): Promise<x509.X509Certificate> {
  const issuer =
    request.issuer === "root"
      ? { signer: request.ca.rootSigner, certificate: request.ca.root }
      : { signer: request.ca.signer, certificate: request.ca.certificate };
  const validity = computeValidity({
    now: request.now,
    policyMaxDays: VERIFICATION_VALIDITY_DAYS,
    issuerNotAfter: issuer.certificate.notAfter,
  });
  return signCertificate({
    signer: issuer.signer,
    issuer: issuer.certificate.subjectName,
    subject: commonNameOnly(request.verificationCode),
    publicKeySpki: request.publicKeySpki,
    serialNumber: request.serialNumber,
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    extensions: await verificationExtensions(request.publicKeySpki, subjectKeyIdOf(issuer.certificate)),
  });
}

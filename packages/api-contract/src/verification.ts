import { z } from "zod";

/**
 * What a proof-of-possession verification code may be: DPS and IoT Hub hand out hexadecimal codes;
 * the rule is wider so that another service's codes fit, and narrow enough to stay one plain CN.
 */
export const VERIFICATION_CODE_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The CA certificate whose key signs a verification certificate. */
export const VerificationIssuer = z
  .enum(["root", "intermediate"])
  .describe("The CA certificate uploaded to DPS (or IoT Hub): its key signs the verification certificate");
export type VerificationIssuer = z.infer<typeof VerificationIssuer>;

export const VerificationCertificateRequest = z
  .strictObject({
    csr: z
      .string()
      .min(1)
      .max(32_768)
      .describe(
        "PKCS#10 request, PEM, whose subject is CN=<verification code>; its key is the caller's to discard",
      ),
    issuer: VerificationIssuer,
  })
  .meta({ id: "VerificationCertificateRequest" });
export type VerificationCertificateRequest = z.infer<typeof VerificationCertificateRequest>;

export const VerificationCertificate = z
  .object({
    serialNumber: z.string().regex(/^[0-9a-f]{2,40}$/),
    verificationCode: z.string().describe("The certificate's CN, taken from the CSR"),
    issuer: VerificationIssuer,
    certificatePem: z.string().describe("The verification certificate alone, PEM"),
    notBefore: z.iso.datetime(),
    notAfter: z.iso.datetime().describe("At most one hour after issuance"),
  })
  .meta({ id: "VerificationCertificate" });
export type VerificationCertificate = z.infer<typeof VerificationCertificate>;

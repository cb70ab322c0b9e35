import { z } from "zod";
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "./device-id.js";
import { PROBLEM_CODES } from "./problems.js";

/** Key algorithms the service generates for `POST /v1/credentials`. */
export const GeneratedKeyAlgorithm = z.enum(["ECDSA_P256", "ECDSA_P384", "RSA_2048"]);
export type GeneratedKeyAlgorithm = z.infer<typeof GeneratedKeyAlgorithm>;

export const DeviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, { message: `deviceId must be ${DEVICE_ID_RULE}` })
  .describe("Device ID, also the DPS registration ID and the certificate's CN");

const ValidityDays = z
  .number()
  .int()
  .min(1)
  .max(36_500)
  .describe("Requested validity in days; shortened by policy, the issuer's expiry and the 2038 limit");

const Strict = z.boolean().describe("Refuse instead of shortening the validity when a limit cuts it");

const SerialNumber = z
  .string()
  .regex(/^[0-9a-f]{2,40}$/, { message: "serialNumber must be lowercase hexadecimal" })
  .describe("Certificate serial number, lowercase hexadecimal");

/**
 * In paths, also the forms other tools print: upper case (`openssl x509 -serial`), colon-separated
 * (`openssl x509 -text`) and with a leading 00 byte (DER's sign padding).
 */
const SerialNumberInput = z
  .string()
  .regex(/^(?:[0-9A-Fa-f]{2}:)*[0-9A-Fa-f]{2}$|^[0-9A-Fa-f]{1,42}$/, {
    message: "serialNumber must be hexadecimal (up to 40 digits, colons between bytes allowed)",
  })
  .transform((serial) =>
    serial
      .replaceAll(":", "")
      .toLowerCase()
      .replace(/^(?:00)+(?=[0-9a-f]{2})/, ""),
  )
  .pipe(z.string().max(40, { message: "serialNumber has more than 20 bytes" }));

export const NotAfterCappedBy = z.enum(["policy", "issuer", "2038-limit"]);
export type NotAfterCappedBy = z.infer<typeof NotAfterCappedBy>;

export const IssueCertificateRequest = z
  .strictObject({
    csr: z.string().min(1).max(32_768).describe("PKCS#10 certificate signing request, PEM"),
    deviceId: DeviceId.optional(),
    validityDays: ValidityDays.optional(),
    strict: Strict.optional(),
  })
  .meta({ id: "IssueCertificateRequest" });
export type IssueCertificateRequest = z.infer<typeof IssueCertificateRequest>;

export const IssuedCertificate = z
  .object({
    serialNumber: SerialNumber,
    deviceId: DeviceId,
    certificatePem: z.string(),
    fullChainPem: z.string().describe("Device certificate, then the intermediate, then the root"),
    notBefore: z.iso.datetime(),
    notAfter: z.iso.datetime(),
    notAfterCappedBy: NotAfterCappedBy.optional(),
  })
  .meta({ id: "IssuedCertificate" });
export type IssuedCertificate = z.infer<typeof IssuedCertificate>;

export const IssueCredentialsRequest = z
  .strictObject({
    deviceId: DeviceId,
    keyAlgorithm: GeneratedKeyAlgorithm.optional(),
    validityDays: ValidityDays.optional(),
    strict: Strict.optional(),
    pfxPassword: z
      .string()
      .min(1)
      .max(256)
      // A lone surrogate has no UTF-8 form, so PKCS#12's key derivation could not use it.
      .refine((password) => !/\p{Surrogate}/u.test(password), {
        message: "pfxPassword must be well-formed Unicode",
      })
      .optional()
      .describe("When given, a PKCS#12 file is returned too"),
  })
  .meta({ id: "IssueCredentialsRequest" });
export type IssueCredentialsRequest = z.infer<typeof IssueCredentialsRequest>;

export const IssuedCredentials = IssuedCertificate.extend({
  privateKeyPem: z
    .string()
    .describe("Unencrypted PKCS#8 PEM, as IoT Edge needs; never stored by the service"),
  pfxBase64: z.string().optional(),
}).meta({ id: "IssuedCredentials" });
export type IssuedCredentials = z.infer<typeof IssuedCredentials>;

export const CertificateStatus = z.enum(["valid", "revoked"]);

export const CertificateRecord = z
  .object({
    serialNumber: SerialNumber,
    deviceId: z.string().nullable(),
    profile: z.enum([
      "root",
      "intermediate",
      "token-signer",
      "device",
      "est-identity",
      "edge-ca",
      "est-server",
      "root-verification",
      "intermediate-verification",
    ]),
    subject: z.string(),
    status: CertificateStatus,
    notBefore: z.iso.datetime(),
    notAfter: z.iso.datetime(),
    issuedAt: z.iso.datetime(),
    requester: z.string(),
    keyAlgorithm: z.string(),
    sha256Fingerprint: z.string(),
    revokedAt: z.iso.datetime().nullable(),
    revocationReason: z.string().nullable(),
    certificatePem: z.string(),
  })
  .meta({ id: "CertificateRecord" });
export type CertificateRecord = z.infer<typeof CertificateRecord>;

export const CertificateList = z
  .object({ items: z.array(CertificateRecord) })
  .meta({ id: "CertificateList" });
export type CertificateList = z.infer<typeof CertificateList>;

/**
 * RFC 5280 reason codes a revocation may give. certificateHold and removeFromCRL are left out on
 * purpose: revocation here is final, and lifting a hold (removeFromCRL) belongs to delta CRLs,
 * which this CA does not issue.
 */
export const RevocationReason = z
  .enum([
    "unspecified",
    "keyCompromise",
    "cACompromise",
    "affiliationChanged",
    "superseded",
    "cessationOfOperation",
    "privilegeWithdrawn",
    "aACompromise",
  ])
  .describe(
    "RFC 5280 CRLReason name; certificateHold and removeFromCRL are not offered: revocation is final",
  );
export type RevocationReason = z.infer<typeof RevocationReason>;

export const RevokeRequest = z.strictObject({ reason: RevocationReason }).meta({
  id: "RevokeRequest",
  description:
    "Revoking an already revoked certificate again with the same reason returns the record unchanged (200); with another reason, 409.",
});
export type RevokeRequest = z.infer<typeof RevokeRequest>;

export const RenewRequest = z
  .strictObject({
    csr: z
      .string()
      .min(1)
      .max(32_768)
      .describe(
        "PKCS#10 request for the new certificate, PEM: same CN as the current one; the key may be new",
      ),
    proof: z
      .string()
      .min(1)
      .max(32_768)
      .describe(
        "Compact JWS signed by the current certificate's key (ES256, ES384, RS256 or PS256). Header: x5c = the current chain, leaf first, base64 DER. Claims: aud = 'edge-pki:renew' (or '<public URL>/v1/certificates/renew'), iat and exp at most 5 minutes apart, a unique jti, and csr_sha256 = base64url SHA-256 of the CSR's DER",
      ),
  })
  .meta({ id: "RenewRequest" });
export type RenewRequest = z.infer<typeof RenewRequest>;

export const CaInfo = z
  .object({
    rootCertificatePem: z.string(),
    intermediateCertificatePem: z.string(),
    chainPem: z.string().describe("Intermediate, then root"),
    rootSha256Fingerprint: z.string(),
    notAfter: z.iso.datetime().describe("Expiry of the issuing intermediate"),
  })
  .meta({ id: "CaInfo" });
export type CaInfo = z.infer<typeof CaInfo>;

export const SerialNumberParams = z.strictObject({ serialNumber: SerialNumberInput });
export const ListQuery = z.strictObject({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .describe("At most this many items (default 100)"),
});
export const DeviceIdParams = z.strictObject({ deviceId: DeviceId });

export const Health = z
  .object({ status: z.enum(["ok", "unavailable"]), checks: z.record(z.string(), z.string()).optional() })
  .meta({ id: "Health" });

/** RFC 9457 problem details, with `errors` naming each bad field. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.enum(PROBLEM_CODES).describe("Stable code of the problem: switch on it"),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    serialNumber: z
      .string()
      .optional()
      .describe(
        "credentials_already_issued, and already_revoked for a retry: the serial number the first request with this key issued",
      ),
    revokedAt: z.iso
      .datetime()
      .optional()
      .describe("already_revoked for a retry: when the certificate that key issued was revoked"),
    revocationReason: z
      .string()
      .optional()
      .describe("already_revoked for a retry: why the certificate that key issued was revoked"),
  })
  .meta({ id: "Problem" });
export type Problem = z.infer<typeof Problem>;

import { RevocationReason } from "@edge-pki/api-contract";

/**
 * The service's wire types, from the contract the SDK is built on: what its methods take and return.
 * Import them from here; `@edge-pki/api-contract` is the SDK's own dependency, not yours.
 *
 * @example
 * ```ts
 * import type { CertificateRecord, RevocationReason } from "@edge-pki/client-sdk";
 * ```
 */
export type {
  ApiToken,
  ApiTokenList,
  AuditEntry,
  AuditPage,
  BlockEstDeviceRequest,
  BootstrapToken,
  CaInfo,
  CertificateList,
  CertificateRecord,
  CertificateStatus,
  CreatedEstCredential,
  CreateEstCredentialRequest,
  EstCredential,
  EstCredentialList,
  EstDeviceBlock,
  EstDeviceBlockList,
  IssuedCertificate,
  NotAfterCappedBy,
  OperationId,
  ProblemCode,
  ProblemStatus,
  RevocationReason,
  VerificationCertificate,
  VerificationIssuer,
} from "@edge-pki/api-contract";
export { PROBLEM_CODES } from "@edge-pki/api-contract";

/**
 * The RFC 5280 reasons `revoke` takes, as the service accepts them.
 *
 * @example
 * ```ts
 * if (!REVOCATION_REASONS.includes(input as RevocationReason)) throw new Error("unknown reason");
 * ```
 */
export const REVOCATION_REASONS: readonly RevocationReason[] = RevocationReason.options;

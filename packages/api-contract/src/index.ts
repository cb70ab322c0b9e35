export {
  ApiToken,
  ApiTokenList,
  AuditEntry,
  AuditPage,
  AuditQuery,
  BootstrapToken,
  BootstrapTokenRequest,
  JsonWebKeySet,
  TokenIdParams,
} from "./auth.js";
export { DEVICE_ID_PATTERN, DEVICE_ID_RULE, DEVICE_PREFIX_PATTERN, DEVICE_PREFIX_RULE } from "./device-id.js";
export {
  CreatedEstCredential,
  CreateEstCredentialRequest,
  EST_CREDENTIAL_MAX_SECONDS,
  EST_PASSWORD_MIN_LENGTH,
  EST_PASSWORD_PATTERN,
  EST_USERNAME_PATTERN,
  EstCredential,
  EstCredentialIdParams,
  EstCredentialList,
  EstUsername,
} from "./est-credentials.js";
export {
  BlockEstDeviceRequest,
  EST_BLOCK_REASON_MAX_LENGTH,
  EST_BLOCK_REASON_RULE,
  EstDeviceBlock,
  EstDeviceBlockList,
  EstDeviceBlockQuery,
} from "./est-device-blocks.js";
export {
  type Authentication,
  type AuthenticationKind,
  expandPath,
  type HttpMethod,
  type OperationDefinition,
  type ParamsOf,
  type QueryOf,
  type RequestBodyOf,
  type RequestBodySpec,
  type ResponseBodyOf,
  type ResponseMediaType,
  type SchemaSide,
  type SuccessResponse,
} from "./operation.js";
export { type OperationId, type Operations, operations } from "./operations.js";
export { PERMISSIONS, type Permission } from "./permissions.js";
export { PROBLEM_CODES, PROBLEMS, type ProblemCode, type ProblemStatus, problemType } from "./problems.js";
export {
  CaInfo,
  CertificateList,
  CertificateRecord,
  CertificateStatus,
  DeviceId,
  DeviceIdParams,
  GeneratedKeyAlgorithm,
  Health,
  IssueCertificateRequest,
  IssueCredentialsRequest,
  IssuedCertificate,
  IssuedCredentials,
  ListQuery,
  NotAfterCappedBy,
  Problem,
  RenewRequest,
  RevocationReason,
  RevokeRequest,
  SerialNumberParams,
} from "./schemas.js";
export {
  VERIFICATION_CODE_PATTERN,
  VerificationCertificate,
  VerificationCertificateRequest,
  VerificationIssuer,
} from "./verification.js";

export {
  AuditEntry,
  AuditPage,
  AuditQuery,
  BootstrapToken,
  BootstrapTokenRequest,
  JsonWebKeySet,
} from "./auth.js";
export { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "./device-id.js";
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
  SerialNumberParams,
} from "./schemas.js";

export {
  type AuditOptions,
  EdgePkiClient,
  type EdgePkiClientOptions,
  type IssueOptions,
  type Readiness,
  type RenewOptions,
} from "./client.js";
export * from "./contract-types.js";
export { type BootstrapTokenCredential, bootstrapToken, type Credential } from "./core/credential.js";
export type { CallOptions } from "./core/request-core.js";
export type { RetryPolicy } from "./core/retry-policy.js";
export {
  type CheckOptions,
  checkDeviceFiles,
  type DeviceFileCheck,
  type DeviceFileProblem,
  type DeviceFileProblemCode,
} from "./device/check-device-files.js";
export { buildCsr, type CertificateSigningRequest } from "./device/csr.js";
export type { DeviceIdentity } from "./device/device-identity.js";
export { type DeviceFileLayout, deviceFileLayout, ROOT_CERTIFICATE_FILE } from "./device/file-layout.js";
export { DEVICE_KEY_ALGORITHMS, type DeviceKeyAlgorithm } from "./device/key-algorithm.js";
export { type DeviceKeyPair, generateDeviceKey, privateKeyPem } from "./device/key-pair.js";
export {
  absoluteLayout,
  type DeviceFileContents,
  type WriteOptions,
  type WrittenDeviceFiles,
  writeCertificateFiles,
  writeDeviceFiles,
  writePrivateKeyFile,
} from "./device/write-device-files.js";
export {
  AbortError,
  ApiError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  CredentialError,
  CredentialsAlreadyIssuedError,
  EdgePkiError,
  type EdgePkiErrorCode,
  type FieldError,
  FileExistsError,
  InternalServerError,
  InvalidResponseError,
  NotFoundError,
  PermissionDeniedError,
  type ProblemDetails,
  RateLimitError,
  TimeoutError,
  UnavailableError,
} from "./errors.js";

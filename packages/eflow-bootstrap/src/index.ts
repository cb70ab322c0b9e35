export { BootstrapConfig, loadBootstrapConfig, parseBootstrapConfig } from "./config/bootstrap-config.js";
export {
  type CredentialSource,
  type CredentialsRequest,
  type DeviceCredentials,
  obtainCredentials,
} from "./credentials/obtain-credentials.js";
export { type DisableDeviceRequest, type DisableDeviceResult, disableDevice } from "./dps/disable-device.js";
export {
  type DpsAuthentication,
  type DpsConnection,
  provisioningServiceClient,
} from "./dps/dps-connection.js";
export {
  type EnrollmentSettings,
  enrollDevice,
  enrollGroup,
  type GroupEnrollmentRequest,
  type IndividualEnrollmentRequest,
} from "./dps/enroll.js";
export { type DpsResource, type VerifyCaRequest, type VerifyCaResult, verifyCa } from "./dps/verify-ca.js";
export {
  chooseKeyParameter,
  type EflowPayload,
  eflowScript,
  encodeCommand,
  powershellArguments,
} from "./eflow/powershell-script.js";
export { type EflowProvisionRequest, provisionEflow, verifyEflow } from "./eflow/provision-eflow.js";
export type { PowerShellHost } from "./eflow/windows-powershell.js";
export { BootstrapError, type BootstrapErrorCode } from "./errors.js";
export { type DpsProvisioning, withDpsProvisioning } from "./iotedge/config-toml.js";
export { type LinuxHost, type LinuxProvisionRequest, provisionLinux } from "./iotedge/provision-linux.js";
export { type IotEdgeSummary, summariseIotEdge } from "./iotedge/summary.js";
export { type RunOptions, type RunResult, runBootstrap } from "./run/run-bootstrap.js";

import { BootstrapError } from "../errors.js";
import { type IotEdgeSummary, summariseIotEdge } from "../iotedge/summary.js";
import { chooseKeyParameter, KEY_PARAMETER_NAMES } from "./powershell-script.js";
import {
  assertPreconditions,
  inspectDeployedVm,
  moduleLines,
  type PowerShellHost,
  runEflowScript,
  thisPowerShellHost,
} from "./windows-powershell.js";

export interface EflowProvisionRequest {
  idScope: string;
  /** Absolute Windows paths on this host: the full chain (leaf first) and the unencrypted key. */
  identityCertPath: string;
  identityPrivKeyPath: string;
  globalEndpoint?: string | undefined;
  executionPolicyBypass?: boolean;
  /** The VM was provisioned before: the identity files it holds are removed first (iotedge-eflow #103). */
  reprovisioning?: boolean;
  /** Called once the preconditions hold, just before Provision-EflowVm runs (to record the attempt). */
  beforeProvisioning?: () => Promise<void>;
  host?: PowerShellHost;
  log?: (line: string) => void;
}

/**
 * Provisions the EFLOW VM through DPS with X.509: checks the preconditions (elevated, module present
 * and allowed to load, VM deployed), finds the key parameter's name in the installed module, then runs
 * `Provision-EflowVm -provisioningType DpsX509 -scopeId … -identityCertPath … -<key parameter> …
 * [-globalEndpoint …] -headless`. Anything but the module's `OK` is a failure, reported with the
 * module's own lines.
 */
export async function provisionEflow(request: EflowProvisionRequest): Promise<{ keyParameter: string }> {
  const host = request.host ?? thisPowerShellHost;
  const log = request.log ?? (() => {});
  const options = { executionPolicyBypass: request.executionPolicyBypass ?? false };
  const inspected = await inspectDeployedVm(host, options);
  const parameters = Array.isArray(inspected.fields.parameters)
    ? (inspected.fields.parameters as string[])
    : [];
  const keyParameter = chooseKeyParameter(parameters);
  if (keyParameter === undefined) {
    throw new BootstrapError(
      "provision_failed",
      `this AzureEFLOW module's Provision-EflowVm has no ${KEY_PARAMETER_NAMES.join(" or ")} parameter`,
    );
  }
  log(`AzureEFLOW ${String(inspected.fields.moduleVersion ?? "")} takes the key as -${keyParameter}`);
  await request.beforeProvisioning?.();
  const provisioned = await runEflowScript(
    host,
    {
      action: "provision",
      scopeId: request.idScope,
      identityCertPath: request.identityCertPath,
      identityPrivKeyPath: request.identityPrivKeyPath,
      keyParameter,
      ...(request.globalEndpoint !== undefined && { globalEndpoint: request.globalEndpoint }),
      ...(request.reprovisioning === true && { clearPreviousFiles: true }),
    },
    options,
  );
  assertPreconditions(provisioned);
  if (provisioned.outcome !== "ok") {
    throw new BootstrapError(
      "provision_failed",
      `Provision-EflowVm did not return OK: ${String(provisioned.fields.result ?? "").trim()}${moduleLines(provisioned)}`,
    );
  }
  log("Provision-EflowVm returned OK");
  return { keyParameter };
}

/** `sudo iotedge list` and `sudo iotedge check` in the VM (Invoke-EflowVmCommand), summarised. */
export async function verifyEflow(request: {
  executionPolicyBypass?: boolean;
  host?: PowerShellHost;
}): Promise<IotEdgeSummary> {
  const host = request.host ?? thisPowerShellHost;
  const outcome = await runEflowScript(
    host,
    { action: "verify" },
    { executionPolicyBypass: request.executionPolicyBypass ?? false },
  );
  assertPreconditions(outcome);
  return summariseIotEdge(String(outcome.fields.list ?? ""), String(outcome.fields.check ?? ""));
}

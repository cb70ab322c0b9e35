import { basename, join, win32 } from "node:path";
import { pathToFileURL } from "node:url";
import { icaclsArguments } from "@edge-pki/host-kit/private-files";
import { stringify } from "smol-toml";
import type { BootstrapConfig } from "../config/bootstrap-config.js";
import { GLOBAL_ENDPOINT } from "../config/bootstrap-config.js";
import { type EflowPayload, KEY_PARAMETER_NAMES, powershellArguments } from "../eflow/powershell-script.js";
import { type PowerShellHost, powershellPath } from "../eflow/windows-powershell.js";
import { provisioningTable } from "../iotedge/config-toml.js";
import { devicePaths } from "./device-paths.js";
import { type BootstrapState, provisioningAttempted } from "./state-file.js";

export interface PlanContext {
  config: BootstrapConfig;
  target: "eflow" | "linux";
  state: BootstrapState;
  /** Valid device files are already in the folder. */
  credentialsInPlace: boolean;
  reissue: boolean;
  platform: NodeJS.Platform;
  powershell: PowerShellHost;
}

/**
 * What `run` would do, step by step, with the exact commands (the PowerShell ones with their
 * `-EncodedCommand` and, decoded, the data they carry). Reading only: nothing is created or run.
 */
export function planRun(context: PlanContext): string[] {
  const { config, target } = context;
  const paths = devicePaths(config.dir, config.deviceId);
  const lines: string[] = ["eflow-bootstrap run --dry-run: nothing is changed; this is what would be done."];
  lines.push("", `1. credentials for ${config.deviceId}`);
  if (context.credentialsInPlace && !context.reissue) {
    lines.push(`   valid files are already in ${paths.fullChain}: nothing is asked of the CA`);
  } else {
    lines.push(
      context.platform === "win32"
        ? `   make ${config.dir} private: ${win32.join("%SystemRoot%", "System32", "icacls.exe")} ${icaclsArguments(config.dir).join(" ")}`
        : `   make ${config.dir} private: mode 0700`,
    );
    if (context.reissue && context.credentialsInPlace)
      lines.push(
        `   the new key and certificate go to ${join(config.dir, "reissue")} first; only once they are checked do the current files move to ${join(config.dir, "superseded")}/<time>/`,
      );
    if (context.state.credentials?.serialNumber === undefined && context.state.credentials !== undefined) {
      lines.push(
        "   resend the request prepared before (same key, CSR and Idempotency-Key), if its key is still there",
      );
    } else {
      lines.push(`   make a ${config.keyAlgorithm} key: ${paths.privateKey} (0600; never sent anywhere)`);
    }
    lines.push(
      `   POST ${new URL("/v1/certificates", config.ca.url).href} with a CSR for CN=${config.deviceId}, the bootstrap token and an Idempotency-Key`,
      `   write ${paths.fullChain} (leaf first), ${paths.certificate}, ${paths.root}`,
      `   check them: CN = ${config.deviceId}, chain to the CA root${config.ca.rootSha256 ? ` (SHA-256 ${config.ca.rootSha256})` : ""}, key matches, notAfter before 2038-01-01`,
    );
  }
  const globalEndpoint = config.dps.globalEndpoint ?? GLOBAL_ENDPOINT;
  if (target === "eflow") {
    const options = { executionPolicyBypass: config.eflow.executionPolicyBypass };
    const command = (payload: EflowPayload) =>
      [powershellPath(context.powershell), ...powershellArguments(payload, options)].join(" ");
    const provision: EflowPayload = {
      action: "provision",
      scopeId: config.dps.idScope,
      identityCertPath: paths.fullChain,
      identityPrivKeyPath: paths.privateKey,
      keyParameter: KEY_PARAMETER_NAMES[0],
      ...(config.dps.globalEndpoint !== undefined && { globalEndpoint: config.dps.globalEndpoint }),
      ...(provisioningAttempted(context.state) && { clearPreviousFiles: true }),
    };
    lines.push(
      "",
      "2. provision the EFLOW VM",
      "   check: elevated, AzureEFLOW loads under the execution policy, Verify-EflowVm, the key parameter's name:",
      `   ${command({ action: "inspect" })}`,
      "   then:",
      `   ${command(provision)}`,
      `   which runs Provision-EflowVm -provisioningType DpsX509 -scopeId <scopeId> -identityCertPath <identityCertPath> -${KEY_PARAMETER_NAMES[0]} <identityPrivKeyPath>${config.dps.globalEndpoint ? " -globalEndpoint <globalEndpoint>" : ""} -headless`,
      `   (-${KEY_PARAMETER_NAMES[1]} if that is the installed module's name), with these values as data: ${JSON.stringify(provision)}`,
    );
    if (config.eflow.verify) {
      lines.push(
        "",
        "3. verify: sudo iotedge list and sudo iotedge check in the VM",
        `   ${command({ action: "verify" })}`,
      );
    }
  } else {
    const certificate = join(config.linux.certsDir, basename(paths.fullChain));
    const key = join(config.linux.secretsDir, basename(paths.privateKey));
    const table = stringify({
      provisioning: provisioningTable({
        globalEndpoint,
        idScope: config.dps.idScope,
        registrationId: config.deviceId,
        identityCert: pathToFileURL(certificate).href,
        identityPk: pathToFileURL(key).href,
      }),
    });
    lines.push(
      "",
      "2. provision IoT Edge",
      `   copy the chain to ${certificate} (0644; chown aziotcs:aziotcs; folder 0755)`,
      `   copy the key to ${key} (0600; chown aziotks:aziotks; folder 0700)`,
      `   replace [provisioning] in ${config.linux.configToml} (every other section kept; the old file kept as .bak):`,
      ...table
        .trimEnd()
        .split("\n")
        .map((line) => `     ${line}`),
      "   run: iotedge config apply",
      "",
      "3. verify: iotedge list, iotedge check",
    );
  }
  return lines;
}

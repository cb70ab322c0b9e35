#!/usr/bin/env node
// A stand-in for Windows PowerShell with the AzureEFLOW module, for tests on Linux. It records what
// it receives (argv, the decoded script, the data the script carries) and answers as the script
// would with the module installed: the scenario (EFLOW_STAND_IN_SCENARIO, JSON) says how the host
// is (elevated, module present, missing or blocked, VM deployed or Verify-EflowVm throwing, the key
// parameter's name, a byte order mark before the output) and how
// Provision-EflowVm ends (OK, an error it reports, an exception); for est-config, what the VM holds
// (vmFiles) and how the write ends (estWrite).
import { appendFileSync } from "node:fs";

const argv = process.argv.slice(2);
const scenario = {
  elevated: true,
  module: "present",
  vmDeployed: true,
  keyParameter: "identityPrivKeyPath",
  provision: "ok",
  ...JSON.parse(process.env.EFLOW_STAND_IN_SCENARIO ?? "{}"),
};
const encoded = argv[argv.indexOf("-EncodedCommand") + 1] ?? "";
const script = Buffer.from(encoded, "base64").toString("utf16le");
const base64 = /FromBase64String\('([A-Za-z0-9+/=]*)'\)/.exec(script)?.[1] ?? "";
const payload = JSON.parse(Buffer.from(base64, "base64").toString("utf8") || "{}");
appendFileSync(process.env.EFLOW_STAND_IN_LOG, `${JSON.stringify({ argv, script, payload })}\n`);

// A console encoding with a byte order mark puts one before the first output (scenario bom).
let started = false;
const write = (text) => {
  process.stdout.write(`${scenario.bom && !started ? "\uFEFF" : ""}${text}`);
  started = true;
};
const result = (fields, exitCode = 0) => {
  write(`EDGE-PKI-RESULT ${JSON.stringify(fields)}\r\n`);
  process.exit(exitCode);
};
const host = (line) => write(`[11/29/2026 10:00:00] ${line}\r\n`);

if (!scenario.elevated) result({ outcome: "not-elevated" }, 10);
if (scenario.module === "missing") {
  result(
    {
      outcome: "module-missing",
      message:
        "The specified module 'AzureEFLOW' was not loaded because no valid module file was found in any module directory.",
    },
    11,
  );
}
if (scenario.module === "blocked") {
  result(
    {
      outcome: "execution-policy",
      policy: "AllSigned",
      message:
        "File C:\\Program Files\\WindowsPowerShell\\Modules\\AzureEFLOW\\AzureEFLOW.psm1 cannot be loaded. The file is not digitally signed.",
    },
    12,
  );
}
switch (payload.action) {
  case "inspect":
    if (scenario.vmDeployed === "throw") {
      result({ outcome: "vm-not-deployed", message: "EFLOW VM configuration not found" }, 14);
    }
    result({
      outcome: "ok",
      vmDeployed: scenario.vmDeployed,
      moduleVersion: "1.5.7.0",
      parameters: [
        "provisioningType",
        "devConnString",
        "iotHubHostname",
        "deviceId",
        "scopeId",
        "symmKey",
        "registrationId",
        "identityCertPath",
        scenario.keyParameter,
        "globalEndpoint",
        "headless",
        "Verbose",
      ],
    });
    break;
  case "provision":
    host("Provisioning EFLOW VM with DpsX509");
    if (payload.keyParameter !== scenario.keyParameter) {
      result(
        {
          outcome: "exception",
          message: `A parameter cannot be found that matches parameter name '${payload.keyParameter}'.`,
        },
        15,
      );
    }
    if (scenario.provision === "throw") {
      result({ outcome: "exception", message: "ssh failed to execute [Permission denied] at line 3689" }, 15);
    }
    if (scenario.provision === "error") {
      host("Exception caught!!!");
      write(" - iotedge service not running after provisioning, please investigate manually (L402)\r\n");
      result(
        {
          outcome: "failed",
          result: "iotedge service not running after provisioning, please investigate manually\r\n",
        },
        1,
      );
    }
    host(" - Copying certificates to the VM");
    host(" - Applying configuration");
    result({ outcome: "ok", result: "OK" });
    break;
  case "verify":
    if (scenario.verify === "unhealthy") {
      result({
        outcome: "ok",
        list: "NAME             STATUS           DESCRIPTION      CONFIG\nedgeAgent        failed           Failed (1) 3 seconds ago     mcr.microsoft.com/azureiotedge-agent:1.5\n",
        check:
          "× production readiness: DPS connectivity - Error\n\n20 check(s) succeeded.\n1 check(s) raised errors. Re-run with --verbose for more details.\n",
      });
    }
    result({
      outcome: "ok",
      list: "NAME             STATUS           DESCRIPTION      CONFIG\nedgeAgent        running          Up 1 minutes     mcr.microsoft.com/azureiotedge-agent:1.5\nedgeHub          running          Up 1 minutes     mcr.microsoft.com/azureiotedge-hub:1.5\n",
      check:
        "Configuration checks\n--------------------\n√ keyd configuration is well-formed - OK\n‼ production readiness: logs policy - Warning\n\n21 check(s) succeeded.\n1 check(s) raised warnings. Re-run with --verbose for more details.\n",
    });
    break;
  case "est-read":
    // What the VM holds: scenario.vmFiles, role -> base64 ("" when the file is missing).
    result({ outcome: "ok", files: scenario.vmFiles ?? {} });
    break;
  case "est-write":
    if (scenario.estWrite === "throw") {
      result({ outcome: "exception", message: "iotedge config apply failed: config.toml is invalid" }, 15);
    }
    result({ outcome: "ok", result: "Azure IoT Edge has been configured successfully!" });
    break;
  default:
    process.stderr.write(`unknown action ${payload.action}\n`);
    process.exit(2);
}

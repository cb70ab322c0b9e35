import { win32 } from "node:path";
import { type ProgramResult, type RunProgram, runWithoutShell } from "@edge-pki/host-kit/private-files";
import { BootstrapError } from "../errors.js";
import { type EflowPayload, powershellArguments, RESULT_MARKER } from "./powershell-script.js";

/** Where and how Windows PowerShell runs: injected so that a stand-in can answer on Linux. */
export interface PowerShellHost {
  platform: NodeJS.Platform;
  run: RunProgram;
  /** %SystemRoot%. */
  windowsDirectory: string;
}

export const thisPowerShellHost: PowerShellHost = {
  platform: process.platform,
  run: runWithoutShell,
  windowsDirectory: process.env.SystemRoot ?? "C:\\Windows",
};

/**
 * Windows PowerShell 5.1 from System32 on Windows (never whatever `powershell` comes first on PATH or
 * in the current folder); elsewhere `powershell` from PATH, which is how tests put a stand-in in.
 */
export function powershellPath(host: PowerShellHost): string {
  return host.platform === "win32"
    ? win32.join(host.windowsDirectory, "System32", "WindowsPowerShell", "v1.0", "powershell.exe")
    : "powershell";
}

/** What one run answered: the script's result, and the module's own lines. */
export interface PowerShellOutcome {
  outcome: string;
  fields: Record<string, unknown>;
  /** stdout without the result line: the module's Write-Host lines. */
  lines: string[];
  exitCode: number;
}

/** Runs the script for `payload` and reads its result line. */
export async function runEflowScript(
  host: PowerShellHost,
  payload: EflowPayload,
  options: { executionPolicyBypass: boolean },
): Promise<PowerShellOutcome> {
  const file = powershellPath(host);
  let result: ProgramResult;
  try {
    result = await host.run(file, powershellArguments(payload, options));
  } catch (error) {
    throw new BootstrapError(
      "powershell_missing",
      `Windows PowerShell could not be started (${file}): ${(error as Error).message}`,
      { cause: error },
    );
  }
  // A byte order mark before the first line (a console encoding with one) is not part of the text.
  const lines = result.stdout.replaceAll("\uFEFF", "").split(/\r?\n/);
  const marker = lines.findLast((line) => line.startsWith(RESULT_MARKER));
  const others = lines.filter((line) => !line.startsWith(RESULT_MARKER) && line.trim() !== "");
  if (marker === undefined) {
    const said = [...result.stderr.split(/\r?\n/), ...others]
      .filter((line) => line.trim() !== "")
      .slice(0, 10);
    throw new BootstrapError(
      "command_failed",
      `PowerShell ended (exit status ${result.exitCode}) without a result:\n${said.map((line) => `  ${line}`).join("\n")}`,
    );
  }
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(marker.slice(RESULT_MARKER.length)) as Record<string, unknown>;
  } catch (error) {
    throw new BootstrapError("command_failed", `PowerShell's result line is not JSON: ${marker}`, {
      cause: error,
    });
  }
  return { outcome: String(fields.outcome), fields, lines: others, exitCode: result.exitCode };
}

/**
 * What every action on the VM starts with: the `inspect` action's answer, once the session is
 * elevated, the module usable and the VM deployed (each failure its own error).
 */
export async function inspectDeployedVm(
  host: PowerShellHost,
  options: { executionPolicyBypass: boolean },
): Promise<PowerShellOutcome> {
  const inspected = await runEflowScript(host, { action: "inspect" }, options);
  assertPreconditions(inspected);
  if (inspected.fields.vmDeployed !== true) {
    throw new BootstrapError(
      "vm_not_deployed",
      "the EFLOW VM is not deployed (Verify-EflowVm is False): run Deploy-Eflow first",
    );
  }
  return inspected;
}

/** The precondition failures every action can meet, each as its own error. */
export function assertPreconditions(outcome: PowerShellOutcome): void {
  const message = typeof outcome.fields.message === "string" ? outcome.fields.message : "";
  switch (outcome.outcome) {
    case "not-elevated":
      throw new BootstrapError(
        "not_elevated",
        "this is not an elevated session: the AzureEFLOW module needs Administrator rights (run from an elevated prompt, or as SYSTEM)",
      );
    case "module-missing":
      throw new BootstrapError(
        "module_missing",
        `the AzureEFLOW PowerShell module is not installed (install IoT Edge for Linux on Windows first): ${message}`,
      );
    case "execution-policy":
      throw new BootstrapError(
        "execution_policy",
        `the execution policy (${String(outcome.fields.policy ?? "?")}) blocks the AzureEFLOW module: ${message}\n` +
          "  get Microsoft's code-signing certificates trusted (Windows Update), or allow it for this process only " +
          '(--execution-policy-bypass, or "executionPolicyBypass": true in bootstrap.json; Group Policy still wins)',
      );
    case "vm-not-deployed":
      throw new BootstrapError(
        "vm_not_deployed",
        `the EFLOW VM is not deployed (Verify-EflowVm failed: ${message}): run Deploy-Eflow first`,
      );
    case "exception":
      throw new BootstrapError(
        "provision_failed",
        `the AzureEFLOW module threw: ${message}${moduleLines(outcome)}`,
      );
  }
}

/** The module's error lines (`Exception caught!!!`, `… at line N`, `Error message : …`), or its last lines. */
export function moduleLines(outcome: PowerShellOutcome): string {
  const errors = outcome.lines.filter((line) =>
    /exception caught|failed to execute|at line \d+|error message|^\s*-\s|error/i.test(line),
  );
  const chosen = (errors.length > 0 ? errors : outcome.lines).slice(-15);
  return chosen.length === 0 ? "" : `\n${chosen.map((line) => `  ${line}`).join("\n")}`;
}

/**
 * The one PowerShell script `eflow-bootstrap` runs on an EFLOW host, and how it is passed. No value
 * is ever written into PowerShell code: every value travels in a JSON object, base64-encoded (an
 * alphabet of letters, digits, `+`, `/` and `=`, inside single quotes) and read back with
 * ConvertFrom-Json; the module is then called by splatting a hashtable. A path or ID holding quotes,
 * `;`, `$(…)`, backticks, newlines or any Unicode stays data.
 */

/** What one run of the script does. */
export type EflowAction = "inspect" | "provision" | "verify" | "est-read" | "est-write";

/** The data of one run: the only part of the command that varies. */
export type EflowPayload =
  | { action: "inspect" }
  | {
      action: "provision";
      scopeId: string;
      identityCertPath: string;
      identityPrivKeyPath: string;
      /** The name the installed module gives the key parameter (see `chooseKeyParameter`). */
      keyParameter: string;
      globalEndpoint?: string;
      /** Remove the identity files a previous provisioning copied into the VM first. */
      clearPreviousFiles?: boolean;
    }
  | { action: "verify" }
  /** Reads the VM's config.toml and the EST files, each as base64 ("" when missing). */
  | { action: "est-read" }
  /** Puts files into the VM at their fixed places (content: base64), then runs iotedge config apply. */
  | { action: "est-write"; files: { role: VmFileRole; content: string }[] };

/**
 * Where each file `est-config` writes lives in the VM, with its owner and mode (as for
 * `how-to-manage-device-certificates.md`). Fixed names: the only paths the script's VM commands hold.
 */
export const VM_FILES = {
  config: { path: "/etc/aziot/config.toml", owner: "root", mode: "600" },
  trustedCert: { path: "/var/aziot/certs/edge-pki-est-trust.pem", owner: "aziotcs", mode: "644" },
  bootstrapCert: { path: "/var/aziot/certs/edge-pki-est-bootstrap.pem", owner: "aziotcs", mode: "644" },
  bootstrapKey: { path: "/var/aziot/secrets/edge-pki-est-bootstrap.key.pem", owner: "aziotks", mode: "600" },
  identityCert: { path: "/var/aziot/certs/edge-pki-est-identity.pem", owner: "aziotcs", mode: "644" },
  identityKey: { path: "/var/aziot/secrets/edge-pki-est-identity.key.pem", owner: "aziotks", mode: "600" },
} as const;

export type VmFileRole = keyof typeof VM_FILES;

/** VM_FILES as a PowerShell hashtable: constants of this module, never a value from a user. */
function vmFilesTable(): string {
  const rows = Object.entries(VM_FILES).map(([role, file]) => {
    if (!/^[a-zA-Z]+$/.test(role) || !Object.values(file).every((text) => /^[a-z0-9/._-]+$/.test(text))) {
      throw new Error(`VM file ${role} is not a plain path`);
    }
    return `'${role}' = @{ path = '${file.path}'; owner = '${file.owner}'; mode = '${file.mode}' }`;
  });
  return `@{ ${rows.join("; ")} }`;
}

/** The marker before the one JSON line the script ends with. */
export const RESULT_MARKER = "EDGE-PKI-RESULT ";

const PAYLOAD_PLACEHOLDER = "__EDGE_PKI_PAYLOAD__";

/**
 * The script. Exit statuses and outcomes: not-elevated (10), module-missing (11),
 * execution-policy (12), exception (13, 15), vm-not-deployed (14), ok or failed (0 and 1).
 *
 * Its body runs in a script block (`& { … }`): `-EncodedCommand` runs at global scope, and a module's
 * functions read preference variables from the global scope, so a global `$ErrorActionPreference =
 * 'Stop'` would turn every non-terminating error inside AzureEFLOW into a throw the module does not
 * expect. In the block, the preferences hold for this script's own commands only. Output is UTF-8
 * without a byte order mark, so the result line starts with its marker.
 */
const SCRIPT = `& {
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
[Console]::OutputEncoding = New-Object Text.UTF8Encoding($false)
function Send-Result([string]$Outcome, [hashtable]$Fields) {
  $Fields['outcome'] = $Outcome
  Write-Output ('${RESULT_MARKER}' + ($Fields | ConvertTo-Json -Compress -Depth 4))
}
$vmFiles = __EDGE_PKI_VM_FILES__
$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${PAYLOAD_PLACEHOLDER}')) | ConvertFrom-Json
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  Send-Result 'not-elevated' @{}; exit 10
}
try {
  Import-Module -Name AzureEFLOW -Force -ErrorAction Stop
} catch {
  $id = [string]$_.FullyQualifiedErrorId
  if ($id -like 'Modules_ModuleNotFound*') { Send-Result 'module-missing' @{ message = $_.Exception.Message }; exit 11 }
  if ($_.Exception -is [System.Management.Automation.PSSecurityException] -or $id -like 'UnauthorizedAccess*') {
    Send-Result 'execution-policy' @{ message = $_.Exception.Message; policy = [string](Get-ExecutionPolicy) }; exit 12
  }
  Send-Result 'exception' @{ message = $_.Exception.Message }; exit 13
}
switch ([string]$p.action) {
  'inspect' {
    $command = Get-Command -Name Provision-EflowVm
    $names = @()
    foreach ($parameter in $command.Parameters.Values) { $names += $parameter.Name; $names += $parameter.Aliases }
    $module = Get-Module -Name AzureEFLOW
    # True or False, as a boolean or as text: [bool]'False' would be true. It throws when the VM or
    # its configuration is missing: that is a VM not deployed too.
    try { $deployed = [string](@(Verify-EflowVm)[-1]) -ieq 'True' } catch {
      Send-Result 'vm-not-deployed' @{ message = $_.Exception.Message }; exit 14
    }
    Send-Result 'ok' @{ vmDeployed = $deployed; parameters = $names; moduleVersion = [string]$module.Version }
  }
  'provision' {
    if ($p.clearPreviousFiles) {
      # Re-provisioning: the module's scp cannot overwrite the files it copied and chowned before
      # (iotedge-eflow #103). A fixed command: only files of our own naming, in the module's folders.
      Invoke-EflowVmCommand -command 'sudo rm -f /home/iotedge-user/certs/iot-edge-device-identity-* /home/iotedge-user/private/iot-edge-device-identity-*' -ignoreError | Out-Null
    }
    $arguments = @{ provisioningType = 'DpsX509'; scopeId = [string]$p.scopeId; identityCertPath = [string]$p.identityCertPath; headless = $true }
    $arguments[[string]$p.keyParameter] = [string]$p.identityPrivKeyPath
    if ($p.globalEndpoint) { $arguments['globalEndpoint'] = [string]$p.globalEndpoint }
    try { $r = Provision-EflowVm @arguments } catch { Send-Result 'exception' @{ message = $_.Exception.Message }; exit 15 }
    $last = [string](@($r)[-1])
    if ($last -ieq 'OK') { Send-Result 'ok' @{ result = $last } } else { Send-Result 'failed' @{ result = ($r | Out-String) }; exit 1 }
  }
  'est-read' {
    $files = @{}
    foreach ($role in $vmFiles.Keys) {
      $files[$role] = ([string](Invoke-EflowVmCommand -command ('sudo base64 -w0 ' + $vmFiles[$role].path + ' 2>/dev/null') -ignoreError | Out-String)).Trim()
    }
    Send-Result 'ok' @{ files = $files }
  }
  'est-write' {
    # One staging file in the home of the module's user, then installed with its owner and mode: the
    # command holds only this script's constants.
    $staged = '/home/iotedge-user/edge-pki-staged'
    try {
      foreach ($f in @($p.files)) {
        $target = $vmFiles[[string]$f.role]
        if ($null -eq $target) { throw 'unknown file role' }
        $local = [IO.Path]::GetTempFileName()
        try {
          [IO.File]::WriteAllBytes($local, [Convert]::FromBase64String([string]$f.content))
          Copy-EflowVmFile -fromFile $local -toFile $staged -pushFile | Out-Null
        } finally { [IO.File]::Delete($local) }
        Invoke-EflowVmCommand -command ('sudo install -D -m ' + $target.mode + ' -o ' + $target.owner + ' -g ' + $target.owner + ' ' + $staged + ' ' + $target.path + ' && rm -f ' + $staged) | Out-Null
      }
      $applied = Invoke-EflowVmCommand -command 'sudo iotedge config apply' | Out-String
    } catch { Send-Result 'exception' @{ message = $_.Exception.Message }; exit 15 }
    Send-Result 'ok' @{ result = $applied }
  }
  'verify' {
    $list = Invoke-EflowVmCommand -command 'sudo iotedge list' -ignoreError | Out-String
    $check = Invoke-EflowVmCommand -command 'sudo iotedge check' -ignoreError | Out-String
    Send-Result 'ok' @{ list = $list; check = $check }
  }
}
}
`;

/** The script with its payload: the only text inserted is base64. */
export function eflowScript(payload: EflowPayload): string {
  const base64 = Buffer.from(JSON.stringify(payload), "utf8").toString("base64");
  if (!/^[A-Za-z0-9+/=]*$/.test(base64)) throw new Error("base64 of the payload is not base64");
  return SCRIPT.replace("__EDGE_PKI_VM_FILES__", vmFilesTable()).replace(PAYLOAD_PLACEHOLDER, base64);
}

/** `-EncodedCommand` takes base64 of the script's UTF-16LE. */
export function encodeCommand(script: string): string {
  return Buffer.from(script, "utf16le").toString("base64");
}

/**
 * Windows PowerShell's arguments: no profile, no prompts (the module's `-headless` too), and the
 * execution policy bypassed for this process only when the operator asked for it.
 */
export function powershellArguments(
  payload: EflowPayload,
  options: { executionPolicyBypass: boolean },
): string[] {
  return [
    "-NoProfile",
    "-NonInteractive",
    ...(options.executionPolicyBypass ? ["-ExecutionPolicy", "Bypass"] : []),
    "-EncodedCommand",
    encodeCommand(eflowScript(payload)),
  ];
}

/** The key parameter's names, in order of preference: REF and Microsoft's scripts, then the 1.2+ how-to. */
export const KEY_PARAMETER_NAMES = ["identityPrivKeyPath", "identityPrivateKey"] as const;

/**
 * The key parameter of the installed module (the docs disagree on its name), from the parameter
 * names and aliases of its `Provision-EflowVm`; undefined when it has neither.
 */
export function chooseKeyParameter(parameters: readonly string[]): string | undefined {
  const present = new Set(parameters.map((name) => name.toLowerCase()));
  return KEY_PARAMETER_NAMES.find((name) => present.has(name.toLowerCase()));
}

import { bootstrapToken, type Credential } from "@edge-pki/client-sdk";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { type BootstrapConfig, GLOBAL_ENDPOINT, loadBootstrapConfig } from "../config/bootstrap-config.js";
import { obtainCredentials } from "../credentials/obtain-credentials.js";
import { BootstrapError } from "../errors.js";
import { runBootstrap, targetOf } from "../run/run-bootstrap.js";
import { progress } from "./output.js";
import { readSecretFile, secretFrom } from "./secrets.js";

/** The CA credential of a device: an API token when given, else the one-time bootstrap token. */
function deviceCredential(
  config: BootstrapConfig,
  flags: { apiTokenFile?: string },
  env: NodeJS.ProcessEnv,
): Credential | undefined {
  try {
    if (flags.apiTokenFile !== undefined) return readSecretFile(flags.apiTokenFile, "the API token");
    const token = secretFrom(
      config.ca.bootstrapTokenFile,
      "EDGE_PKI_BOOTSTRAP_TOKEN",
      env,
      "the bootstrap token",
    );
    return token === undefined ? undefined : bootstrapToken(token);
  } catch (error) {
    // A token file that is missing or empty is the missing-token precondition, not a typing mistake.
    if (error instanceof UsageError)
      throw new BootstrapError("token_missing", error.message, { cause: error });
    throw error;
  }
}

export function addDeviceCommands(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const credentials = program
    .command("credentials")
    .description(
      "Make the device key here, redeem the bootstrap token at the CA, write the chain and key into the protected folder, and check them.",
    )
    .requiredOption("--config <file>", "bootstrap.json")
    .option("--api-token-file <file>", "use an API token (issuer) instead of the bootstrap token")
    .option(
      "--reissue",
      "replace valid files with a new certificate (the old ones go to superseded/ once the new one is checked)",
    );
  credentials.action(async () => {
    const flags = credentials.opts<{ config: string; apiTokenFile?: string; reissue?: boolean }>();
    const config = await loadBootstrapConfig(flags.config);
    const result = await obtainCredentials({
      deviceId: config.deviceId,
      dir: config.dir,
      caUrl: config.ca.url,
      credential: () => deviceCredential(config, flags, env),
      keyAlgorithm: config.keyAlgorithm,
      ...(config.validityDays !== undefined && { validityDays: config.validityDays }),
      ...(config.ca.rootSha256 !== undefined && { rootSha256: config.ca.rootSha256 }),
      reissue: flags.reissue === true,
      log: progress,
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  });

  const run = program
    .command("run")
    .description("Every device-side step in order (credentials, provision, verify); resumable, idempotent.")
    .requiredOption("--config <file>", "bootstrap.json")
    .option("--dry-run", "print every action, with the exact commands, and change nothing")
    .option("--reissue", "ask for a new certificate although the current one is valid")
    .option("--reprovision", "provision (and verify) again although the state file says it is done")
    .option("--execution-policy-bypass", "EFLOW: -ExecutionPolicy Bypass for this PowerShell process only")
    .option("--api-token-file <file>", "use an API token (issuer) instead of the bootstrap token")
    .addHelpText(
      "after",
      `
bootstrap.json (the bootstrap token is never in it: ca.bootstrapTokenFile, or EDGE_PKI_BOOTSTRAP_TOKEN):
  { "deviceId": "line7-0001",
    "ca": { "url": "https://pki.example.com", "bootstrapTokenFile": "C:\\\\ProgramData\\\\EdgePki\\\\token.txt",
            "rootSha256": "<SHA-256 of the root, hex>" },
    "dir": "C:\\\\ProgramData\\\\EdgePki\\\\identity",
    "dps": { "idScope": "0ne00ABCDEF", "globalEndpoint": "${GLOBAL_ENDPOINT}" },
    "target": "eflow" }          (or "linux"; default: eflow on Windows, linux elsewhere)
See docs/eflow-bootstrap.md.`,
    );
  run.action(async () => {
    const flags = run.opts<{
      config: string;
      dryRun?: boolean;
      reissue?: boolean;
      reprovision?: boolean;
      executionPolicyBypass?: boolean;
      apiTokenFile?: string;
    }>();
    const config = await loadBootstrapConfig(flags.config);
    const dryRun = flags.dryRun === true;
    const result = await runBootstrap({
      config,
      credential: dryRun ? undefined : () => deviceCredential(config, flags, env),
      dryRun,
      reissue: flags.reissue === true,
      reprovision: flags.reprovision === true,
      ...(flags.executionPolicyBypass && { executionPolicyBypass: true }),
      log: progress,
    });
    if (dryRun) {
      process.stdout.write(`${result.plan.join("\n")}\n`);
      return;
    }
    process.stdout.write(
      `${config.deviceId}: provisioned (${targetOf(config, process.platform)}), certificate ${result.serialNumber ?? "?"} valid until ${result.notAfter ?? "?"}${result.verification ? `; ${result.verification.text}` : ""}\n`,
    );
  });

  const provision = program
    .command("provision")
    .description(
      "Provision with the files already in the protected folder: Provision-EflowVm on EFLOW, [provisioning] and iotedge config apply on Linux; then verify.",
    )
    .requiredOption("--config <file>", "bootstrap.json")
    .option("--dry-run", "print every action, with the exact commands, and change nothing")
    .option("--execution-policy-bypass", "EFLOW: -ExecutionPolicy Bypass for this PowerShell process only");
  provision.action(async () => {
    const flags = provision.opts<{ config: string; dryRun?: boolean; executionPolicyBypass?: boolean }>();
    const config = await loadBootstrapConfig(flags.config);
    const result = await runBootstrap({
      config,
      dryRun: flags.dryRun === true,
      reprovision: true,
      ...(flags.executionPolicyBypass && { executionPolicyBypass: true }),
      log: progress,
    });
    process.stdout.write(
      flags.dryRun
        ? `${result.plan.join("\n")}\n`
        : `${config.deviceId}: provisioned (${result.target})${result.verification ? `; ${result.verification.text}` : ""}\n`,
    );
  });
}

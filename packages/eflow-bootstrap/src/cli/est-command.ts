import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { addEstOptions, estRequestFromFlags } from "@edge-pki/host-kit/iotedge-config";
import { configureEstOnEflow } from "../eflow/est-config-eflow.js";
import { configureEstOnLinux } from "../iotedge/est-config-linux.js";
import { progress } from "./output.js";
import { secret } from "./secrets.js";

/** `est-config`: IoT Edge's config.toml for certificates from EST, on EFLOW (in the VM) or Linux. */
export function addEstCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const est = program
    .command("est-config")
    .description(
      "Set IoT Edge up for EST: DPS X.509 with the identity certificate (and optionally the Edge CA) from EST, renewed by IoT Edge; other settings kept; then iotedge config apply.",
    )
    .option("--target <target>", "eflow or linux (default: eflow on Windows, linux elsewhere)")
    .option("--config-toml <file>", "Linux: the file to edit", "/etc/aziot/config.toml")
    .option("--execution-policy-bypass", "EFLOW: -ExecutionPolicy Bypass for this PowerShell process only");
  addEstOptions(est);
  est.addHelpText(
    "after",
    "\nOn EFLOW the files are copied into the VM (/var/aziot/certs, /var/aziot/secrets); on Linux they are referred to where they are. See docs/eflow-bootstrap.md.",
  );
  est.action(async () => {
    const flags = est.opts<{ target?: string; configToml: string; executionPolicyBypass?: boolean }>();
    const target = flags.target ?? (process.platform === "win32" ? "eflow" : "linux");
    if (target !== "eflow" && target !== "linux") throw new UsageError("--target must be eflow or linux");
    const request = estRequestFromFlags(est, env);
    if (request.password !== undefined) secret(request.password);
    if (target === "eflow") {
      const { changed } = await configureEstOnEflow({
        est: request,
        ...(flags.executionPolicyBypass && { executionPolicyBypass: true }),
        log: progress,
      });
      process.stdout.write(
        `EFLOW VM: ${changed.length === 0 ? "already set up for EST" : "set up for EST"}\n`,
      );
      return;
    }
    const { changed } = await configureEstOnLinux({
      est: request,
      configToml: flags.configToml,
      log: progress,
    });
    process.stdout.write(`${flags.configToml}: ${changed ? "set up for EST" : "already set up for EST"}\n`);
  });
}

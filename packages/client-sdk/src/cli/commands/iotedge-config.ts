import { pathToFileURL } from "node:url";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import {
  addEstOptions,
  editConfigTomlFile,
  estRequestFromFlags,
  withEstConfig,
} from "@edge-pki/host-kit/iotedge-config";
import { deviceIdArgument } from "../device-id.js";
import { note, printResult } from "../output.js";

/** aziot's super-config, which `iotedge config apply` reads. */
const DEFAULT_CONFIG_TOML = "/etc/aziot/config.toml";

/**
 * `iotedge-config est`: writes IoT Edge's config.toml for certificates from our EST server, on this
 * host (IoT Edge on Linux; on EFLOW, `eflow-bootstrap est-config` writes it inside the VM). Needs no CA.
 */
export function addIotedgeConfigCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const iotedgeConfig = program
    .command("iotedge-config")
    .description("write IoT Edge's config.toml on this host (needs no CA)");
  const est = iotedgeConfig
    .command("est")
    .description(
      "DPS X.509 with the identity certificate (and optionally the Edge CA) from EST, renewed by IoT Edge; other settings are kept",
    )
    .option("--config-toml <file>", "the file to edit", DEFAULT_CONFIG_TOML);
  addEstOptions(est);
  est.addHelpText(
    "after",
    "\nThe files are referred to where they are (file:// URIs): aziotcs must read the certificates and aziotks the keys.\nThen run: sudo iotedge config apply. See docs/edge-pki-cli.md and docs/est.md.",
  );
  est.action(async () => {
    const { configToml } = est.opts<{ configToml: string }>();
    deviceIdArgument(est.opts<{ deviceId: string }>().deviceId);
    const request = estRequestFromFlags(est, env);
    const config = request.config((_role, file) => pathToFileURL(file.path).href);
    const written = await editConfigTomlFile(configToml, (original) => withEstConfig(original, config));
    const json = est.optsWithGlobals<{ json?: boolean }>().json === true;
    printResult(json, { configToml, ...written }, () => [
      written.changed
        ? `${configToml}: set up for EST (${config.url}) for ${config.dps.registrationId}${config.edgeCa ? ", Edge CA included" : ""}`
        : `${configToml}: already set up for EST; nothing changed`,
    ]);
    if (written.backup !== undefined) note(`kept the previous config.toml as ${written.backup}`);
    if (written.changed) note("apply it with: sudo iotedge config apply");
  });
}

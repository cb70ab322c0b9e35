import { pathToFileURL } from "node:url";
import { type EstRequest, editConfigTomlFile, withEstConfig } from "@edge-pki/host-kit/iotedge-config";
import { BootstrapError } from "../errors.js";
import { asBootstrapError } from "./config-toml.js";
import { type LinuxHost, mustSucceed, thisLinuxHost } from "./provision-linux.js";

export interface LinuxEstRequest {
  est: EstRequest;
  configToml: string;
  host?: LinuxHost;
  log?: (line: string) => void;
}

/**
 * IoT Edge on Linux: sets config.toml up for EST (the files referred to where they are, as
 * `file://` URIs), keeping the old file beside it, and runs `iotedge config apply` when it changed.
 */
export async function configureEstOnLinux(request: LinuxEstRequest): Promise<{ changed: boolean }> {
  const host = request.host ?? thisLinuxHost;
  const log = request.log ?? (() => {});
  if (!host.elevated()) {
    throw new BootstrapError(
      "not_elevated",
      "writing /etc/aziot/config.toml and running iotedge config apply needs root: run with sudo",
    );
  }
  const config = request.est.config((_role, file) => pathToFileURL(file.path).href);
  const written = await editConfigTomlFile(
    request.configToml,
    (original) => asBootstrapError(() => withEstConfig(original, config)),
    host.now(),
  );
  if (!written.changed) {
    log("config.toml is already set up for EST: nothing to apply");
    return { changed: false };
  }
  if (written.backup !== undefined) log(`kept the previous config.toml as ${written.backup}`);
  log(`wrote the EST settings into ${request.configToml}`);
  await mustSucceed(host, "iotedge", ["config", "apply"]);
  log("iotedge config apply: done");
  return { changed: true };
}

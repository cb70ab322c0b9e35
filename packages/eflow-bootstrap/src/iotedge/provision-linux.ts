import { randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { editConfigTomlFile } from "@edge-pki/host-kit/iotedge-config";
import { type ProgramResult, type RunProgram, runWithoutShell } from "@edge-pki/host-kit/private-files";
import { BootstrapError } from "../errors.js";
import { type DpsProvisioning, withDpsProvisioning } from "./config-toml.js";
import { type IotEdgeSummary, summariseIotEdge } from "./summary.js";

/** The machine the Linux step acts on: injected so that tests run it in a folder, as any user. */
export interface LinuxHost {
  run: RunProgram;
  /** Whether this process may write /etc/aziot and chown files (root). */
  elevated(): boolean;
  now(): Date;
}

export const thisLinuxHost: LinuxHost = {
  run: runWithoutShell,
  elevated: () => process.getuid?.() === 0,
  now: () => new Date(),
};

export interface LinuxProvisionRequest {
  deviceId: string;
  /** The files in the protected folder: the full chain (leaf first) and the key. */
  fullChainPath: string;
  privateKeyPath: string;
  idScope: string;
  globalEndpoint: string;
  configToml: string;
  certsDir: string;
  secretsDir: string;
  /**
   * Run `iotedge config apply` even when no file changed: an earlier apply may have failed after the
   * files were written, and only provisioning recorded as done may skip it.
   */
  applyUnchanged?: boolean;
  host?: LinuxHost;
  log?: (line: string) => void;
}

/**
 * IoT Edge 1.4/1.5 on Linux: places the chain and the key where the identity service reads them, with
 * the owners and modes of `how-to-manage-device-certificates.md` (`/var/aziot/certs` 0755 and its
 * files 0644, owned by aziotcs; `/var/aziot/secrets` 0700 and its files 0600, owned by aziotks),
 * writes `[provisioning]` (source `dps`, `global_endpoint`, `id_scope`, attestation `x509`,
 * `registration_id`, `identity_cert` and `identity_pk` as file URIs) keeping every other section,
 * and runs `iotedge config apply`. A config.toml that changes is kept beside it first
 * (`config.toml.<time>.bak`). Nothing is applied when nothing changed, unless `applyUnchanged`.
 */
export async function provisionLinux(request: LinuxProvisionRequest): Promise<{ changed: boolean }> {
  const host = request.host ?? thisLinuxHost;
  const log = request.log ?? (() => {});
  if (!host.elevated()) {
    throw new BootstrapError(
      "not_elevated",
      "writing /etc/aziot/config.toml and handing files to aziotcs and aziotks needs root: run with sudo",
    );
  }
  const certificate = join(request.certsDir, basename(request.fullChainPath));
  const key = join(request.secretsDir, basename(request.privateKeyPath));
  let changed = false;
  changed =
    (await place(host, request.fullChainPath, certificate, {
      dirMode: 0o755,
      mode: 0o644,
      owner: "aziotcs",
    })) || changed;
  changed =
    (await place(host, request.privateKeyPath, key, { dirMode: 0o700, mode: 0o600, owner: "aziotks" })) ||
    changed;

  const settings: DpsProvisioning = {
    globalEndpoint: request.globalEndpoint,
    idScope: request.idScope,
    registrationId: request.deviceId,
    identityCert: pathToFileURL(certificate).href,
    identityPk: pathToFileURL(key).href,
  };
  const written = await editConfigTomlFile(
    request.configToml,
    (original) => withDpsProvisioning(original, settings),
    host.now(),
  );
  if (written.changed) {
    if (written.backup !== undefined) log(`kept the previous config.toml as ${written.backup}`);
    log(`wrote [provisioning] (DPS, X.509, ${request.deviceId}) into ${request.configToml}`);
    changed = true;
  }
  if (!changed && request.applyUnchanged !== true) {
    log("config.toml and the identity files are already in place: nothing to apply");
    return { changed };
  }
  await mustSucceed(host, "iotedge", ["config", "apply"]);
  log("iotedge config apply: done");
  return { changed };
}

/** `iotedge list` and `iotedge check`, summarised. */
export async function verifyLinux(host: LinuxHost = thisLinuxHost): Promise<IotEdgeSummary> {
  const list = await host.run("iotedge", ["list"]).catch(() => undefined);
  const check = await host.run("iotedge", ["check"]).catch(() => undefined);
  return summariseIotEdge(list?.stdout ?? "", check?.stdout ?? "");
}

/** Copies a file into place with its mode and owner; false when it was already there, identical. */
async function place(
  host: LinuxHost,
  source: string,
  target: string,
  { dirMode, mode, owner }: { dirMode: number; mode: number; owner: string },
): Promise<boolean> {
  const content = await readFile(source);
  await mkdir(dirname(target), { recursive: true, mode: dirMode });
  await chmod(dirname(target), dirMode);
  await mustSucceed(host, "chown", [`${owner}:${owner}`, dirname(target)]);
  const current = await readFile(target).catch(() => undefined);
  const same = current?.equals(content) === true && ((await stat(target)).mode & 0o777) === mode;
  if (!same) await replaceFile(target, content, mode);
  await mustSucceed(host, "chown", [`${owner}:${owner}`, target]);
  return !same;
}

/** Writes a temporary file beside `path` with `mode`, then renames it over `path`. */
async function replaceFile(path: string, content: string | Buffer, mode: number): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  await writeFile(temporary, content, { mode });
  await chmod(temporary, mode);
  await rename(temporary, path);
}

export async function mustSucceed(host: LinuxHost, file: string, args: string[]): Promise<ProgramResult> {
  let result: ProgramResult;
  try {
    result = await host.run(file, args);
  } catch (error) {
    throw new BootstrapError("command_failed", `${file} could not be started: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (result.exitCode !== 0) {
    const said = (result.stderr || result.stdout)
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "")
      .slice(0, 10);
    throw new BootstrapError(
      "command_failed",
      `${file} ${args.join(" ")} failed (exit status ${result.exitCode}):\n${said.map((line) => `  ${line}`).join("\n")}`,
    );
  }
  return result;
}

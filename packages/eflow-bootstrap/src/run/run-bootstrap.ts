import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { type FileHost, thisHost } from "@edge-pki/host-kit/private-files";
import { type BootstrapConfig, GLOBAL_ENDPOINT } from "../config/bootstrap-config.js";
import { type CredentialSource, obtainCredentials } from "../credentials/obtain-credentials.js";
import { provisionEflow, verifyEflow } from "../eflow/provision-eflow.js";
import { type PowerShellHost, thisPowerShellHost } from "../eflow/windows-powershell.js";
import { BootstrapError } from "../errors.js";
import { type LinuxHost, provisionLinux, thisLinuxHost, verifyLinux } from "../iotedge/provision-linux.js";
import type { IotEdgeSummary } from "../iotedge/summary.js";
import { devicePaths } from "./device-paths.js";
import { planRun } from "./plan.js";
import { loadState, provisioningAttempted, saveState } from "./state-file.js";

export interface RunOptions {
  config: BootstrapConfig;
  /** The credential for the CA; needed (and, given as a function, read) only when a certificate must be asked for. */
  credential?: CredentialSource;
  reissue?: boolean;
  dryRun?: boolean;
  /** Redo provisioning (and verification) although the state says it is done. */
  reprovision?: boolean;
  executionPolicyBypass?: boolean;
  platform?: NodeJS.Platform;
  fileHost?: FileHost;
  powershell?: PowerShellHost;
  linux?: LinuxHost;
  /** Progress, one line each (stderr). */
  log?: (line: string) => void;
}

export interface RunResult {
  /** The dry run's plan; empty otherwise. */
  plan: string[];
  serialNumber?: string | undefined;
  notAfter?: string | undefined;
  target: "eflow" | "linux";
  verification?: IotEdgeSummary | undefined;
}

/** Which provisioning a host does: EFLOW on Windows, IoT Edge's config.toml elsewhere. */
export function targetOf(config: BootstrapConfig, platform: NodeJS.Platform): "eflow" | "linux" {
  return config.target ?? (platform === "win32" ? "eflow" : "linux");
}

/**
 * Every device-side step in order: credentials, provisioning, verification. Idempotent and
 * resumable: the state file in the protected folder records what is done, so a re-run after a
 * failure goes on where it stopped, and a device never gets a second certificate unless `reissue`.
 */
export async function runBootstrap(options: RunOptions): Promise<RunResult> {
  const { config } = options;
  const log = options.log ?? (() => {});
  const platform = options.platform ?? process.platform;
  const target = targetOf(config, platform);
  const paths = devicePaths(config.dir, config.deviceId);
  const eflowOptions = {
    executionPolicyBypass: options.executionPolicyBypass ?? config.eflow.executionPolicyBypass,
    host: options.powershell ?? thisPowerShellHost,
  };

  if (options.dryRun) {
    const state = await readableState(config);
    const credentialsInPlace = await exists(paths.fullChain);
    const plan = planRun({
      config: {
        ...config,
        eflow: { ...config.eflow, executionPolicyBypass: eflowOptions.executionPolicyBypass },
      },
      target,
      state,
      credentialsInPlace,
      reissue: options.reissue ?? false,
      platform,
      powershell: eflowOptions.host,
    });
    if (state.provision !== undefined && !options.reprovision && !options.reissue) {
      plan.push(
        "",
        `(the state file says provisioning was done at ${state.provision.completedAt}: it would be skipped)`,
      );
    }
    return { plan, target };
  }

  const credentials = await obtainCredentials({
    deviceId: config.deviceId,
    dir: config.dir,
    caUrl: config.ca.url,
    credential: options.credential,
    keyAlgorithm: config.keyAlgorithm,
    ...(config.validityDays !== undefined && { validityDays: config.validityDays }),
    ...(config.ca.rootSha256 !== undefined && { rootSha256: config.ca.rootSha256 }),
    reissue: options.reissue ?? false,
    host: options.fileHost ?? thisHost,
    log,
  });
  const dir = resolve(config.dir);
  let state = await loadState(dir, config.deviceId);

  const provisionedWithThese = state.provision !== undefined && credentials.reused && !options.reprovision;
  if (provisionedWithThese) {
    log(`provisioning was done at ${state.provision?.completedAt}: skipped (--reprovision redoes it)`);
  } else {
    const attemptedBefore = provisioningAttempted(state);
    // Not done until it succeeds: a failure from here on leaves the next run to do it again (a new
    // certificate, or --reprovision, would otherwise leave the old record standing).
    state = { ...state, provision: undefined, verify: undefined };
    await saveState(dir, state);
    // Saved just before the module (or iotedge) may change anything: the next attempt then clears
    // the files this one may have copied into the VM.
    const recordAttempt = async () => {
      state = { ...state, provisionAttempt: { startedAt: new Date().toISOString(), target } };
      await saveState(dir, state);
    };
    if (target === "eflow") {
      await provisionEflow({
        idScope: config.dps.idScope,
        identityCertPath: credentials.fullChainPath,
        identityPrivKeyPath: credentials.privateKeyPath,
        globalEndpoint: config.dps.globalEndpoint,
        reprovisioning: attemptedBefore,
        beforeProvisioning: recordAttempt,
        ...eflowOptions,
        log,
      });
    } else {
      await recordAttempt();
      await provisionLinux({
        deviceId: config.deviceId,
        fullChainPath: credentials.fullChainPath,
        privateKeyPath: credentials.privateKeyPath,
        idScope: config.dps.idScope,
        globalEndpoint: config.dps.globalEndpoint ?? GLOBAL_ENDPOINT,
        ...config.linux,
        // Provisioning is not recorded as done (or is being redone): the files may be in place from a
        // run whose apply failed, so apply regardless.
        applyUnchanged: true,
        host: options.linux ?? thisLinuxHost,
        log,
      });
    }
    state = { ...state, provision: { completedAt: new Date().toISOString(), target }, verify: undefined };
    await saveState(dir, state);
  }

  let verification: IotEdgeSummary | undefined;
  const wantsVerify = target === "linux" || config.eflow.verify;
  if (wantsVerify && (state.verify === undefined || !provisionedWithThese)) {
    verification =
      target === "eflow"
        ? await verifyEflow(eflowOptions)
        : await verifyLinux(options.linux ?? thisLinuxHost);
    log(`verification: ${verification.text}`);
    if (!verification.healthy) {
      throw new BootstrapError(
        "verification_failed",
        `IoT Edge is provisioned but not healthy yet: ${verification.text}\n  run again to re-check (the earlier steps are not repeated)`,
      );
    }
    state = { ...state, verify: { completedAt: new Date().toISOString(), summary: verification.text } };
    await saveState(dir, state);
  }
  return {
    plan: [],
    serialNumber: credentials.serialNumber,
    notAfter: credentials.notAfter,
    target,
    verification,
  };
}

async function readableState(config: BootstrapConfig) {
  try {
    return await loadState(resolve(config.dir), config.deviceId);
  } catch {
    return { version: 1 as const, deviceId: config.deviceId };
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

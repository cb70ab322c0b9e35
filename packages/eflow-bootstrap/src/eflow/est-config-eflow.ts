import { type EstRequest, withEstConfig } from "@edge-pki/host-kit/iotedge-config";
import { BootstrapError } from "../errors.js";
import { asBootstrapError } from "../iotedge/config-toml.js";
import { VM_FILES, type VmFileRole } from "./powershell-script.js";
import {
  assertPreconditions,
  inspectDeployedVm,
  moduleLines,
  type PowerShellHost,
  runEflowScript,
  thisPowerShellHost,
} from "./windows-powershell.js";

export interface EflowEstRequest {
  est: EstRequest;
  executionPolicyBypass?: boolean;
  host?: PowerShellHost;
  log?: (line: string) => void;
}

/**
 * Sets the EFLOW VM's /etc/aziot/config.toml up for EST: reads it and the EST files already in the
 * VM (Invoke-EflowVmCommand), edits it here with the same editor as on Linux, and pushes only what
 * differs (Copy-EflowVmFile, then `install` with owner and mode, at the fixed paths of VM_FILES),
 * then runs `iotedge config apply`. A second run with the same request pushes nothing.
 */
export async function configureEstOnEflow(request: EflowEstRequest): Promise<{ changed: string[] }> {
  const host = request.host ?? thisPowerShellHost;
  const log = request.log ?? (() => {});
  const options = { executionPolicyBypass: request.executionPolicyBypass ?? false };
  await inspectDeployedVm(host, options);
  const read = await runEflowScript(host, { action: "est-read" }, options);
  assertPreconditions(read);
  const inVm = (read.fields.files ?? {}) as Partial<Record<VmFileRole, string>>;
  const config = request.est.config((role) => `file://${VM_FILES[role].path}`);
  const original = Buffer.from(inVm.config ?? "", "base64").toString("utf8");
  const edited = asBootstrapError(() => withEstConfig(original, config));
  const wanted: { role: VmFileRole; content: string }[] = [
    ...Object.entries(request.est.files).map(([role, file]) => ({
      role: role as VmFileRole,
      content: file.content.toString("base64"),
    })),
    { role: "config", content: Buffer.from(edited, "utf8").toString("base64") },
  ];
  const files = wanted.filter((file) => inVm[file.role] !== file.content);
  if (files.length === 0) {
    log("config.toml and the EST files in the VM are already as asked: nothing to apply");
    return { changed: [] };
  }
  const written = await runEflowScript(host, { action: "est-write", files }, options);
  assertPreconditions(written);
  if (written.outcome !== "ok") {
    throw new BootstrapError(
      "provision_failed",
      `writing the EST configuration into the VM failed${moduleLines(written)}`,
    );
  }
  const changed = files.map((file) => VM_FILES[file.role].path);
  log(`wrote ${changed.join(", ")} in the VM; iotedge config apply: done`);
  return { changed };
}

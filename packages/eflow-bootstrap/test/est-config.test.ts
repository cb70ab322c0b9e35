import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createProgram } from "@edge-pki/host-kit/cli";
import { addEstOptions, estRequestFromFlags } from "@edge-pki/host-kit/iotedge-config";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configureEstOnLinux } from "../src/iotedge/est-config-linux.js";
import type { LinuxHost } from "../src/iotedge/provision-linux.js";
import { eflowBootstrap } from "./support/cli.js";

/**
 * `eflow-bootstrap est-config`: on EFLOW through the PowerShell stand-in (what reaches the VM is the
 * data of the payload; the script carries only base64), on Linux in a folder with a recording host.
 */
const STAND_IN = new URL("./support/powershell-stand-in.mjs", import.meta.url).pathname;
const HOSTILE_PASSWORD = `pa'ss"; $(Remove-Item C:\\) \`whoami\` && rm -rf / 証明書`;
const VM_CONFIG = `hostname = "line7-0001"

[provisioning]
source = "dps"
global_endpoint = "https://global.azure-devices-provisioning.net"
id_scope = "0ne00ABCDEF"
always_reprovision_on_startup = true

[provisioning.attestation]
method = "x509"
registration_id = "line7-0001"
identity_cert = "file:///home/iotedge-user/certs/iot-edge-device-identity-line7-0001.pem"
identity_pk = "file:///home/iotedge-user/private/iot-edge-device-identity-line7-0001.key.pem"

[agent]
name = "edgeAgent"
`;

interface Recorded {
  argv: string[];
  script: string;
  payload: { action: string; files?: { role: string; content: string }[] };
}

let work: string;
const trust = "-----BEGIN CERTIFICATE-----\nTRUST\n-----END CERTIFICATE-----\n";
const bootCert = "-----BEGIN CERTIFICATE-----\nBOOT\n-----END CERTIFICATE-----\n";
const bootKey = "-----BEGIN PRIVATE KEY-----\nBOOTKEY\n-----END PRIVATE KEY-----\n";
const path = (name: string) => join(work, name);

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "eflow-bootstrap-est-"));
  await writeFile(path("trust.pem"), trust);
  await writeFile(path("boot.pem"), bootCert);
  await writeFile(path("boot.key"), bootKey, { mode: 0o600 });
  await writeFile(path("password"), `${HOSTILE_PASSWORD}\n`, { mode: 0o600 });
  await mkdir(path("bin"));
  await copyFile(STAND_IN, path("bin/powershell"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const estArgs = () => [
  "--est-url",
  "https://pki.example.com/.well-known/est",
  "--device-id",
  "line7-0001",
  "--id-scope",
  "0ne00ABCDEF",
  "--trusted-cert",
  path("trust.pem"),
  "--bootstrap-cert",
  path("boot.pem"),
  "--bootstrap-key",
  path("boot.key"),
  "--est-username",
  "line7",
  "--est-password-file",
  path("password"),
  "--auto-renew",
  "--edge-ca",
  "aziot-edge CA line7-0001",
];

async function runOnEflow(name: string, scenario: Record<string, unknown>) {
  const log = path(`powershell-${name}.jsonl`);
  const result = await eflowBootstrap(["est-config", "--target", "eflow", ...estArgs()], {
    PATH: `${path("bin")}:${process.env.PATH ?? ""}`,
    EFLOW_STAND_IN_LOG: log,
    EFLOW_STAND_IN_SCENARIO: JSON.stringify(scenario),
  });
  const calls = (await readFile(log, "utf8").catch(() => ""))
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as Recorded);
  return { result, calls };
}

const fromBase64 = (text: string) => Buffer.from(text, "base64").toString("utf8");

describe("est-config on EFLOW, through Windows PowerShell", () => {
  it("carries config.toml and the files as data, writes them at fixed VM paths, and converges", async () => {
    const vmFiles = { config: Buffer.from(VM_CONFIG).toString("base64") };
    const { result, calls } = await runOnEflow("first", { vmFiles });
    expect(result.stderr).toMatch(/iotedge config apply: done/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("EFLOW VM: set up for EST\n");
    expect(calls.map((call) => call.payload.action)).toEqual(["inspect", "est-read", "est-write"]);
    const write = calls[2] as Recorded;
    const files = Object.fromEntries((write.payload.files ?? []).map((file) => [file.role, file.content]));
    expect(Object.keys(files).sort()).toEqual(["bootstrapCert", "bootstrapKey", "config", "trustedCert"]);
    expect(fromBase64(files.trustedCert as string)).toBe(trust);
    expect(fromBase64(files.bootstrapCert as string)).toBe(bootCert);
    expect(fromBase64(files.bootstrapKey as string)).toBe(bootKey);

    const config = parse(fromBase64(files.config as string)) as Record<string, Record<string, unknown>>;
    const provisioning = config.provisioning as Record<string, unknown>;
    expect(provisioning).toMatchObject({
      source: "dps",
      id_scope: "0ne00ABCDEF",
      always_reprovision_on_startup: true,
    });
    const policy = { rotate_key: true, threshold: "80%", retry: "4%" };
    expect(provisioning.attestation).toEqual({
      method: "x509",
      registration_id: "line7-0001",
      identity_cert: { method: "est", common_name: "line7-0001", auto_renew: policy },
    });
    expect(config.cert_issuance).toEqual({
      est: {
        trusted_certs: ["file:///var/aziot/certs/edge-pki-est-trust.pem"],
        auth: {
          username: "line7",
          password: HOSTILE_PASSWORD,
          bootstrap_identity_cert: "file:///var/aziot/certs/edge-pki-est-bootstrap.pem",
          bootstrap_identity_pk: "file:///var/aziot/secrets/edge-pki-est-bootstrap.key.pem",
        },
        urls: { default: "https://pki.example.com/.well-known/est" },
      },
    });
    expect(config.edge_ca).toEqual({
      method: "est",
      common_name: "aziot-edge CA line7-0001",
      auto_renew: policy,
    });
    expect(config.agent).toEqual({ name: "edgeAgent" });

    for (const call of calls) {
      // The script holds no value: not the password, not a file's content, not the device ID.
      for (const value of [HOSTILE_PASSWORD, "line7-0001", "TRUST", "BOOTKEY", "pki.example.com"]) {
        expect(call.script).not.toContain(value);
      }
      const inserted = /FromBase64String\('([^']*)'\)/.exec(call.script)?.[1];
      expect(inserted).toMatch(/^[A-Za-z0-9+/=]+$/);
      expect(call.argv.join(" ")).not.toContain(HOSTILE_PASSWORD);
    }
    // Only this script's constants reach a VM command line.
    expect(write.script).toContain(
      "'bootstrapKey' = @{ path = '/var/aziot/secrets/edge-pki-est-bootstrap.key.pem'; owner = 'aziotks'; mode = '600' }",
    );

    // The VM now holds what was written: a second run pushes nothing and applies nothing.
    const again = await runOnEflow("again", { vmFiles: files });
    expect(again.result.code).toBe(0);
    expect(again.result.stdout).toBe("EFLOW VM: already set up for EST\n");
    expect(again.calls.map((call) => call.payload.action)).toEqual(["inspect", "est-read"]);
  });

  it("reports a failed write as one error with its code, and refuses bad values before PowerShell runs", async () => {
    const failed = await runOnEflow("failed", { estWrite: "throw" });
    expect(failed.result.code).toBe(1);
    expect(failed.result.stderr).toMatch(
      /iotedge config apply failed: config.toml is invalid.*\[provision_failed\]/,
    );
    expect(failed.result.stderr).not.toContain(HOSTILE_PASSWORD);

    const refused = await eflowBootstrap(
      ["est-config", "--target", "eflow", ...estArgs(), "--renew-threshold", "60m"],
      {
        PATH: `${path("bin")}:${process.env.PATH ?? ""}`,
        EFLOW_STAND_IN_LOG: path("powershell-refused.jsonl"),
      },
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(refused.stderr).toMatch(/--renew-threshold "60m" is not a form aziot reads/);
    await expect(readFile(path("powershell-refused.jsonl"))).rejects.toThrow(/ENOENT/);
  });
});

describe("est-config on Linux", () => {
  it("writes config.toml in place, applies once, and a re-run applies nothing", async () => {
    const configToml = path("config.toml");
    await writeFile(configToml, VM_CONFIG, { mode: 0o600 });
    const command = createProgram("est-config");
    addEstOptions(command);
    command.parse(estArgs(), { from: "user" });
    const est = estRequestFromFlags(command, {});
    const calls: string[] = [];
    const host: LinuxHost = {
      elevated: () => true,
      now: () => new Date("2026-11-29T10:00:00Z"),
      run: async (file, args) => {
        calls.push([file, ...args].join(" "));
        return { exitCode: 0, stdout: "", stderr: "" };
      },
    };
    expect(await configureEstOnLinux({ est, configToml, host })).toEqual({ changed: true });
    expect(calls).toEqual(["iotedge config apply"]);
    const config = parse(await readFile(configToml, "utf8")) as Record<string, Record<string, unknown>>;
    expect((config.cert_issuance as { est: { auth: unknown } }).est.auth).toMatchObject({
      bootstrap_identity_cert: pathToFileURL(path("boot.pem")).href,
      bootstrap_identity_pk: pathToFileURL(path("boot.key")).href,
    });
    expect(await readFile(`${configToml}.2026-11-29T10-00-00.000Z.bak`, "utf8")).toBe(VM_CONFIG);
    expect(await configureEstOnLinux({ est, configToml, host })).toEqual({ changed: false });
    expect(calls).toEqual(["iotedge config apply"]);
  });
});

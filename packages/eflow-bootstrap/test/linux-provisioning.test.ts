import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BootstrapError } from "../src/errors.js";
import { withDpsProvisioning } from "../src/iotedge/config-toml.js";
import { type LinuxHost, provisionLinux } from "../src/iotedge/provision-linux.js";
import { STATE_FILE } from "../src/run/state-file.js";
import { test } from "./support/fixtures.js";

const FIXTURE = new URL("./fixtures/config.toml", import.meta.url);
const SETTINGS = {
  globalEndpoint: "https://global.azure-devices-provisioning.net",
  idScope: "0ne00ABCDEF",
  registrationId: "line7-0001",
  identityCert: "file:///var/aziot/certs/iot-edge-device-identity-line7-0001-full-chain.cert.pem",
  identityPk: "file:///var/aziot/secrets/iot-edge-device-identity-line7-0001.key.pem",
};

describe("[provisioning] in config.toml", () => {
  it("is replaced by DPS X.509, and every other section is kept byte for byte", async () => {
    const original = await readFile(FIXTURE, "utf8");
    const edited = withDpsProvisioning(original, SETTINGS);
    // Everything before the old [provisioning] and from "# ===…Edge Agent" on is untouched.
    const head = original.slice(0, original.indexOf("[provisioning]\n"));
    const tail = original.slice(
      original.indexOf(
        "# ==============================================================================\n# Edge Agent",
      ),
    );
    expect(edited.startsWith(head)).toBe(true);
    expect(edited.endsWith(tail)).toBe(true);
    expect(edited.slice(head.length, edited.length - tail.length)).toBe(
      [
        "[provisioning]",
        'source = "dps"',
        `global_endpoint = "${SETTINGS.globalEndpoint}"`,
        `id_scope = "${SETTINGS.idScope}"`,
        "",
        "[provisioning.attestation]",
        'method = "x509"',
        `registration_id = "${SETTINGS.registrationId}"`,
        `identity_cert = "${SETTINGS.identityCert}"`,
        `identity_pk = "${SETTINGS.identityPk}"`,
        "",
        "",
      ].join("\n"),
    );
    const parsed = parse(edited) as Record<string, Record<string, unknown>>;
    expect(parsed.provisioning).not.toHaveProperty("connection_string");
    expect(parsed.provisioning).not.toHaveProperty("authentication");
    // The multi-line string that looks like a table is data, and stays.
    const env = (parsed.agent as { env: Record<string, string> }).env;
    expect(env.banner).toContain("[provisioning]");
    // Idempotent.
    expect(withDpsProvisioning(edited, SETTINGS)).toBe(edited);
  });

  it("is added at the end of a file without one, and keeps CRLF line endings", () => {
    const original = 'hostname = "x"\r\n\r\n[agent]\r\nname = "edgeAgent"\r\n';
    const edited = withDpsProvisioning(original, SETTINGS);
    expect(edited.startsWith(original)).toBe(true);
    expect(edited.slice(original.length)).toMatch(/^\r\n\[provisioning\]\r\nsource = "dps"\r\n/);
    expect(edited.replaceAll("\r\n", "")).not.toContain("\n");
  });

  it("refuses provisioning given as dotted keys or an inline table, and TOML that does not parse", () => {
    for (const original of [
      'provisioning.source = "manual"\n[agent]\nname = "a"\n',
      'provisioning = { source = "manual" }\n',
      "[agent\nname = 1\n",
    ]) {
      expect(() => withDpsProvisioning(original, SETTINGS)).toThrow(BootstrapError);
    }
  });
});

describe("provisioning IoT Edge on Linux", () => {
  let root: string;
  let calls: { file: string; args: readonly string[] }[];
  const host = (elevated = true): LinuxHost => ({
    elevated: () => elevated,
    now: () => new Date("2026-11-29T10:00:00Z"),
    run: async (file, args) => {
      calls.push({ file, args });
      return { exitCode: 0, stdout: "", stderr: "" };
    },
  });
  const request = () => ({
    deviceId: "line7-0001",
    fullChainPath: join(root, "identity", "iot-edge-device-identity-line7-0001-full-chain.cert.pem"),
    privateKeyPath: join(root, "identity", "iot-edge-device-identity-line7-0001.key.pem"),
    idScope: "0ne00ABCDEF",
    globalEndpoint: "https://global.azure-devices-provisioning.net",
    configToml: join(root, "etc", "config.toml"),
    certsDir: join(root, "var", "certs"),
    secretsDir: join(root, "var", "secrets"),
  });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "eflow-bootstrap-linux-"));
    await writeFile(join(root, "placeholder"), "");
    await import("node:fs/promises").then(({ mkdir }) => mkdir(join(root, "identity"), { recursive: true }));
    await import("node:fs/promises").then(({ mkdir }) => mkdir(join(root, "etc"), { recursive: true }));
    await writeFile(
      request().fullChainPath,
      "-----BEGIN CERTIFICATE-----\nchain\n-----END CERTIFICATE-----\n",
    );
    await writeFile(
      request().privateKeyPath,
      "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n",
      {
        mode: 0o600,
      },
    );
    await writeFile(request().configToml, await readFile(FIXTURE, "utf8"), { mode: 0o600 });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("places the files with the documented owners and modes, edits config.toml and applies it once", async () => {
    calls = [];
    const result = await provisionLinux({ ...request(), host: host() });
    expect(result.changed).toBe(true);
    const certificate = join(root, "var", "certs", "iot-edge-device-identity-line7-0001-full-chain.cert.pem");
    const key = join(root, "var", "secrets", "iot-edge-device-identity-line7-0001.key.pem");
    expect((await stat(join(root, "var", "certs"))).mode & 0o777).toBe(0o755);
    expect((await stat(certificate)).mode & 0o777).toBe(0o644);
    expect((await stat(join(root, "var", "secrets"))).mode & 0o777).toBe(0o700);
    expect((await stat(key)).mode & 0o777).toBe(0o600);
    expect(calls).toEqual([
      { file: "chown", args: ["aziotcs:aziotcs", join(root, "var", "certs")] },
      { file: "chown", args: ["aziotcs:aziotcs", certificate] },
      { file: "chown", args: ["aziotks:aziotks", join(root, "var", "secrets")] },
      { file: "chown", args: ["aziotks:aziotks", key] },
      { file: "iotedge", args: ["config", "apply"] },
    ]);
    const config = parse(await readFile(request().configToml, "utf8")) as {
      provisioning: Record<string, unknown>;
    };
    expect(config.provisioning).toEqual({
      source: "dps",
      global_endpoint: "https://global.azure-devices-provisioning.net",
      id_scope: "0ne00ABCDEF",
      attestation: {
        method: "x509",
        registration_id: "line7-0001",
        identity_cert: `file://${certificate}`,
        identity_pk: `file://${key}`,
      },
    });
    const backups = (await readdir(join(root, "etc"))).filter((name) => name.endsWith(".bak"));
    expect(backups).toEqual(["config.toml.2026-11-29T10-00-00.000Z.bak"]);
    expect(await readFile(join(root, "etc", backups[0] as string), "utf8")).toBe(
      await readFile(FIXTURE, "utf8"),
    );
  });

  it("changes and applies nothing when everything is in place", async () => {
    calls = [];
    const result = await provisionLinux({ ...request(), host: host() });
    expect(result.changed).toBe(false);
    expect(calls.filter((call) => call.file === "iotedge")).toEqual([]);
  });

  it("needs root, and says so before touching anything", async () => {
    calls = [];
    await expect(provisionLinux({ ...request(), host: host(false) })).rejects.toMatchObject({
      code: "not_elevated",
    });
    expect(calls).toEqual([]);
  });
});

describe("run --dry-run on Linux", () => {
  it("prints the files it would place, the exact [provisioning] and iotedge config apply, and creates nothing", async () => {
    const { runBootstrap } = await import("../src/run/run-bootstrap.js");
    const { parseBootstrapConfig } = await import("../src/config/bootstrap-config.js");
    const dir = join(tmpdir(), `eflow-dry-run-${process.pid}`);
    const config = parseBootstrapConfig({
      deviceId: "line7-0009",
      ca: { url: "https://pki.example.com" },
      dir,
      dps: { idScope: "0ne00ABCDEF" },
      target: "linux",
    });
    const { plan } = await runBootstrap({ config, dryRun: true, platform: "linux" });
    const text = plan.join("\n");
    expect(text).toContain("POST https://pki.example.com/v1/certificates with a CSR for CN=line7-0009");
    expect(text).toContain(
      "copy the key to /var/aziot/secrets/iot-edge-device-identity-line7-0009.key.pem (0600; chown aziotks:aziotks; folder 0700)",
    );
    expect(text).toContain('id_scope = "0ne00ABCDEF"');
    expect(text).toContain(
      'identity_pk = "file:///var/aziot/secrets/iot-edge-device-identity-line7-0009.key.pem"',
    );
    expect(text).toContain("run: iotedge config apply");
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
  });
});

const HEALTHY: Record<string, string> = {
  list: "NAME             STATUS           DESCRIPTION      CONFIG\nedgeAgent        running          Up 1 minutes     mcr.microsoft.com/azureiotedge-agent:1.5\n",
  check: "21 check(s) succeeded.\n",
};

describe("run on Linux after a failed iotedge config apply", () => {
  test("applies again on the next run, and records provisioning only once it succeeded", async ({
    admin,
    ca,
    work,
  }) => {
    const { runBootstrap } = await import("../src/run/run-bootstrap.js");
    const { parseBootstrapConfig } = await import("../src/config/bootstrap-config.js");
    const { bootstrapToken } = await import("@edge-pki/client-sdk");
    const deviceId = "linux-apply-0001";
    const root = join(work, deviceId);
    await mkdir(join(root, "etc"), { recursive: true });
    const config = parseBootstrapConfig({
      deviceId,
      ca: { url: ca.url },
      dir: join(root, "identity"),
      dps: { idScope: "0ne00ABCDEF" },
      target: "linux",
      linux: {
        configToml: join(root, "etc", "config.toml"),
        certsDir: join(root, "certs"),
        secretsDir: join(root, "secrets"),
      },
    });
    let applyFails = true;
    const applied: string[] = [];
    const linux: LinuxHost = {
      elevated: () => true,
      now: () => new Date(),
      run: async (file, args) => {
        if (file === "iotedge" && args[0] !== "config")
          return { exitCode: 0, stdout: HEALTHY[args[0] as string] ?? "", stderr: "" };
        if (file !== "iotedge") return { exitCode: 0, stdout: "", stderr: "" };
        applied.push(applyFails ? "failed" : "ok");
        return applyFails
          ? { exitCode: 1, stdout: "", stderr: "Error: could not apply" }
          : { exitCode: 0, stdout: "", stderr: "" };
      },
    };
    const { token } = await admin.createBootstrapToken(deviceId);
    await expect(
      runBootstrap({ config, credential: bootstrapToken(token), platform: "linux", linux }),
    ).rejects.toMatchObject({ code: "command_failed" });
    const statePath = join(root, "identity", STATE_FILE);
    expect(JSON.parse(await readFile(statePath, "utf8")).provision?.completedAt).toBeUndefined();

    applyFails = false;
    const lines: string[] = [];
    await runBootstrap({ config, platform: "linux", linux, log: (line) => lines.push(line) });
    expect(applied).toEqual(["failed", "ok"]);
    expect(lines).not.toContain("config.toml and the identity files are already in place: nothing to apply");
    expect(JSON.parse(await readFile(statePath, "utf8")).provision?.completedAt).toEqual(expect.any(String));
  });
});

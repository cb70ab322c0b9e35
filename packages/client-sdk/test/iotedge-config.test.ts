import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parse } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, runEdgePki } from "./support/edge-pki-cli.js";

/**
 * `edge-pki iotedge-config est` against a config.toml on disk, read back with a real TOML parser and
 * checked key by key against aziot's super-config (../shared/reference/est-for-iot-edge.md §2).
 */
const ORIGINAL = `hostname = "line7-0001"

## Manual provisioning, to be replaced
[provisioning]
source = "manual"
connection_string = "HostName=h;DeviceId=line7-0001;SharedAccessKey=c2VjcmV0"

[provisioning.authentication]
method = "sas"

[edge_ca]
cert = "file:///var/aziot/certs/old-edge-ca.pem"
pk = "file:///var/aziot/secrets/old-edge-ca.key.pem"

# Edge Agent
[agent]
name = "edgeAgent"
type = "docker"

[agent.config]
image = "mcr.microsoft.com/azureiotedge-agent:1.5"

[[moby_runtime.extra]]
name = "first"
`;

const PEM = (label: string) => `-----BEGIN ${label}-----\nAAAA\n-----END ${label}-----\n`;

let work: string;
let configToml: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "edge-pki-iotedge-config-"));
  configToml = join(work, "config.toml");
  for (const [name, label] of [
    ["trust.pem", "CERTIFICATE"],
    ["boot.pem", "CERTIFICATE"],
    ["boot.key", "PRIVATE KEY"],
    ["id.pem", "CERTIFICATE"],
    ["id.key", "EC PRIVATE KEY"],
  ] as const) {
    files[name] = join(work, name);
    await writeFile(files[name], PEM(label), { mode: 0o600 });
  }
  files.password = join(work, "password");
  await writeFile(files.password, "s3cret-est-password\n", { mode: 0o600 });
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const common = () => [
  "iotedge-config",
  "est",
  "--config-toml",
  configToml,
  "--est-url",
  "https://pki.example.com:8443/.well-known/est/fleet",
  "--device-id",
  "line7-0001",
  "--id-scope",
  "0ne00ABCDEF",
  "--trusted-cert",
  files["trust.pem"] as string,
];
const uri = (name: string) => pathToFileURL(files[name] as string).href;

function expectRefused(result: CliResult, message: RegExp): void {
  expect(result.code).not.toBe(0);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(message);
}

describe("edge-pki iotedge-config est", () => {
  it("writes DPS X.509 with identity and Edge CA from EST, keeps every other setting, and converges", async () => {
    await writeFile(configToml, ORIGINAL, { mode: 0o600 });
    const args = [
      ...common(),
      "--est-username",
      "line7",
      "--est-password-file",
      files.password as string,
      "--auto-renew",
      "--renew-threshold",
      "70%",
      "--renew-retry",
      "90min",
      "--keep-key",
      "--edge-ca",
      "aziot-edge CA line7-0001",
    ];
    const first = await runEdgePki(args);
    expect(first.stderr).toMatch(
      /kept the previous config.toml as .*\.bak\napply it with: sudo iotedge config apply\n$/,
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/set up for EST .* for line7-0001, Edge CA included/);
    const written = await readFile(configToml, "utf8");
    const config = parse(written) as Record<string, Record<string, unknown>>;
    const provisioning = config.provisioning as Record<string, unknown>;
    expect(provisioning.source).toBe("dps");
    expect(provisioning.global_endpoint).toBe("https://global.azure-devices-provisioning.net");
    expect(provisioning.id_scope).toBe("0ne00ABCDEF");
    expect(provisioning.connection_string).toBeUndefined();
    expect(provisioning.authentication).toBeUndefined();
    const attestation = provisioning.attestation as Record<string, unknown>;
    expect(attestation.method).toBe("x509");
    expect(attestation.registration_id).toBe("line7-0001");
    expect(attestation.identity_pk).toBeUndefined();
    const policy = { rotate_key: false, threshold: "70%", retry: "90min" };
    expect(attestation.identity_cert).toEqual({
      method: "est",
      common_name: "line7-0001",
      auto_renew: policy,
    });
    expect(config.cert_issuance).toEqual({
      est: {
        trusted_certs: [uri("trust.pem")],
        auth: { username: "line7", password: "s3cret-est-password" },
        urls: { default: "https://pki.example.com:8443/.well-known/est/fleet" },
      },
    });
    expect(config.edge_ca).toEqual({
      method: "est",
      common_name: "aziot-edge CA line7-0001",
      auto_renew: policy,
    });
    // Everything else, byte for byte where it was.
    expect(config.hostname).toBe("line7-0001");
    expect(config.agent).toEqual({
      name: "edgeAgent",
      type: "docker",
      config: { image: "mcr.microsoft.com/azureiotedge-agent:1.5" },
    });
    expect(config.moby_runtime).toEqual({ extra: [{ name: "first" }] });
    expect(written.startsWith('hostname = "line7-0001"\n\n## Manual provisioning, to be replaced\n')).toBe(
      true,
    );
    expect(written).toContain("# Edge Agent\n[agent]\n");

    const again = await runEdgePki(args);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already set up for EST; nothing changed/);
    expect(await readFile(configToml, "utf8")).toBe(written);
    expect((await readdir(work)).filter((name) => name.endsWith(".bak"))).toHaveLength(1);
  });

  it("switches to a bootstrap certificate without leaving the Basic credentials behind", async () => {
    const result = await runEdgePki([
      ...common(),
      "--bootstrap-cert",
      files["boot.pem"] as string,
      "--bootstrap-key",
      files["boot.key"] as string,
    ]);
    expect(result.code).toBe(0);
    const config = parse(await readFile(configToml, "utf8")) as Record<string, Record<string, unknown>>;
    const est = (config.cert_issuance as { est: Record<string, unknown> }).est;
    expect(est.auth).toEqual({
      bootstrap_identity_cert: uri("boot.pem"),
      bootstrap_identity_pk: uri("boot.key"),
    });
    const attestation = (config.provisioning as { attestation: Record<string, unknown> }).attestation;
    expect(attestation.identity_cert).toEqual({ method: "est", common_name: "line7-0001" });
    // The Edge CA was not asked for this time: what is there stays.
    expect(config.edge_ca).toMatchObject({ method: "est" });
  });

  it("refuses what aziot would not read, in one line, and leaves the file alone", async () => {
    const before = await readFile(configToml, "utf8");
    const basic = ["--est-username", "line7", "--est-password-file", files.password as string];
    expectRefused(
      await runEdgePki([...common(), ...basic, "--auto-renew", "--renew-threshold", "60m"]),
      /--renew-threshold "60m" is not a form aziot reads: N% \(1 to 99\), Nmin or Nday/,
    );
    expectRefused(
      await runEdgePki([...common(), ...basic, "--renew-retry", "10d"]),
      /--renew-retry "10d" is not a form aziot reads/,
    );
    expectRefused(
      await runEdgePki([
        ...common(),
        "--bootstrap-cert",
        files["boot.pem"] as string,
        "--bootstrap-key",
        files["boot.key"] as string,
        "--est-identity-cert",
        files["id.pem"] as string,
        "--est-identity-key",
        files["id.key"] as string,
      ]),
      /give either the bootstrap pair .* or the EST identity pair .*, not both/,
    );
    const missing = common();
    missing[missing.length - 1] = join(work, "no-such-trust.pem");
    expectRefused(
      await runEdgePki([...missing, ...basic]),
      /--trusted-cert .*no-such-trust\.pem: cannot read it \(ENOENT\)/,
    );
    expectRefused(await runEdgePki(common()), /the EST server needs credentials/);
    expectRefused(
      await runEdgePki([...common(), ...basic, "--edge-ca", "line7-0001"]),
      /--edge-ca must differ from --device-id/,
    );
    expect(await readFile(configToml, "utf8")).toBe(before);
  });

  it("refuses a config.toml that sets provisioning with dotted keys, changing nothing", async () => {
    const dotted = 'hostname = "x"\nprovisioning.source = "manual"\n';
    await writeFile(configToml, dotted, { mode: 0o600 });
    const result = await runEdgePki([
      ...common(),
      "--est-username",
      "u",
      "--est-password-file",
      files.password as string,
    ]);
    expectRefused(result, /defines \[provisioning\], \[cert_issuance\] in a form this tool does not edit/);
    expect(await readFile(configToml, "utf8")).toBe(dotted);
  });
});

import { copyFile, mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { eflowBootstrap } from "./support/cli.js";
import { file, test } from "./support/fixtures.js";

/**
 * The EFLOW step with a stand-in `powershell` on PATH (there is no Windows here): it records what it
 * gets and answers as the AzureEFLOW module does. What is tested is the command, the data it carries
 * and how each answer is reported; the script itself has not run under PowerShell here.
 */
const STAND_IN = new URL("./support/powershell-stand-in.mjs", import.meta.url).pathname;

/** Values an attacker might slip into a path or an ID: each must reach the module as it is. */
const HOSTILE = `it's "quoted"; $(New-Item C:\\pwned) \`whoami\` & | %PATH% ^ ! \n line2 証明書 Zertifikate für Geräte`;

interface Recorded {
  argv: string[];
  script: string;
  payload: Record<string, unknown>;
}

async function standIn(work: string, name: string) {
  const bin = join(work, `bin-${name}`);
  await mkdir(bin, { recursive: true });
  await copyFile(STAND_IN, join(bin, "powershell"));
  const log = join(work, `powershell-${name}.jsonl`);
  return {
    env: (scenario: Record<string, unknown> = {}) => ({
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      EFLOW_STAND_IN_LOG: log,
      EFLOW_STAND_IN_SCENARIO: JSON.stringify(scenario),
    }),
    calls: async (): Promise<Recorded[]> =>
      (await readFile(log, "utf8").catch(() => ""))
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Recorded),
  };
}

describe("provision on EFLOW, through Windows PowerShell", () => {
  test("passes every value as data, however hostile, and reports the module's OK and the checks", async ({
    admin,
    ca,
    work,
  }) => {
    const deviceId = "eflow-0001";
    const dir = join(work, HOSTILE);
    const scopeId = `0ne'; Remove-Item -Recurse C:\\ ; "$(calc)"\`n`;
    const globalEndpoint = "https://global.azure-devices-provisioning.net/'$(calc)';\"`x";
    const { token } = await admin.createBootstrapToken(deviceId);
    const config = await file(
      work,
      "hostile.json",
      JSON.stringify({
        deviceId,
        ca: { url: ca.url },
        dir,
        dps: { idScope: scopeId, globalEndpoint },
        target: "eflow",
      }),
    );
    const powershell = await standIn(work, "hostile");
    const run = await eflowBootstrap(["run", "--config", config], {
      ...powershell.env(),
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(run.stderr).toContain("Provision-EflowVm returned OK");
    expect(run).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("edgeAgent running, edgeHub running"),
    });

    const calls = await powershell.calls();
    expect(calls.map((call) => call.payload.action)).toEqual(["inspect", "provision", "verify"]);
    const provision = calls[1] as Recorded;
    expect(provision.argv.slice(0, 3)).toEqual(["-NoProfile", "-NonInteractive", "-EncodedCommand"]);
    expect(provision.argv).toHaveLength(4);
    expect(provision.argv[3]).toMatch(/^[A-Za-z0-9+/=]+$/);
    const chain = join(dir, "certs", `iot-edge-device-identity-${deviceId}-full-chain.cert.pem`);
    const key = join(dir, "private", `iot-edge-device-identity-${deviceId}.key.pem`);
    expect(provision.payload).toEqual({
      action: "provision",
      scopeId,
      identityCertPath: chain,
      identityPrivKeyPath: key,
      keyParameter: "identityPrivKeyPath",
      globalEndpoint,
    });
    expect((await stat(chain)).isFile()).toBe(true);
    // No value is part of the code: the script of every call is the same text but for base64.
    const scripts = new Set(
      calls.map((call) => call.script.replace(/FromBase64String\('[A-Za-z0-9+/=]*'\)/, "")),
    );
    expect(scripts.size).toBe(1);
    for (const value of [HOSTILE, scopeId, globalEndpoint, "Remove-Item", "证明书", "証明書", "$(calc)"]) {
      expect(provision.script).not.toContain(value);
    }
    expect(provision.script).toContain("Provision-EflowVm @arguments");
    // The preferences are the script's own (a script block), not global ones the module would inherit;
    // Verify-EflowVm is inside a try; the console writes UTF-8 without a byte order mark.
    expect(provision.script.startsWith("& {\n$ErrorActionPreference = 'Stop'\n")).toBe(true);
    expect(provision.script.trimEnd().endsWith("}\n}")).toBe(true);
    expect(provision.script).toMatch(/try \{ \$deployed = [^\n]*Verify-EflowVm/);
    expect(provision.script).toContain("UTF8Encoding($false)");

    // Again: the state file says it is done; nothing is run, nothing is issued.
    const again = await eflowBootstrap(["run", "--config", config], powershell.env());
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("provisioning was done");
    expect(await powershell.calls()).toHaveLength(3);
    expect((await admin.listDeviceCertificates(deviceId)).items).toHaveLength(1);

    // provision again: the files the module copied into the VM before go first (iotedge-eflow #103).
    const reprovisioned = await eflowBootstrap(["provision", "--config", config], powershell.env());
    expect(reprovisioned.code).toBe(0);
    const calls2 = await powershell.calls();
    expect(calls2.slice(3).map((call) => call.payload.action)).toEqual(["inspect", "provision", "verify"]);
    expect(calls2[4]?.payload).toMatchObject({ action: "provision", clearPreviousFiles: true });
    expect(provision.payload).not.toHaveProperty("clearPreviousFiles");
  });

  test("finds the key parameter's name in the installed module (-identityPrivateKey in some docs)", async ({
    admin,
    ca,
    work,
  }) => {
    const deviceId = "eflow-0002";
    const { token } = await admin.createBootstrapToken(deviceId);
    const config = await file(
      work,
      "eflow-0002.json",
      JSON.stringify({
        deviceId,
        ca: { url: ca.url },
        dir: join(work, deviceId),
        dps: { idScope: "0ne00000002" },
        target: "eflow",
      }),
    );
    const powershell = await standIn(work, "private-key-name");
    const run = await eflowBootstrap(["run", "--config", config], {
      ...powershell.env({ keyParameter: "identityPrivateKey" }),
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(run.code).toBe(0);
    const provision = (await powershell.calls())[1] as Recorded;
    expect(provision.payload).toMatchObject({ keyParameter: "identityPrivateKey" });
    expect(provision.payload).not.toHaveProperty("globalEndpoint");
  });

  test("each precondition and failure has its own error, and a failed run resumes without a second certificate", async ({
    admin,
    ca,
    work,
  }) => {
    const deviceId = "eflow-0003";
    const { token } = await admin.createBootstrapToken(deviceId);
    const config = await file(
      work,
      "eflow-0003.json",
      JSON.stringify({
        deviceId,
        ca: { url: ca.url },
        dir: join(work, deviceId),
        dps: { idScope: "0ne00000003" },
        target: "eflow",
      }),
    );
    const powershell = await standIn(work, "failures");
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ elevated: false }, /not an elevated session.*\[not_elevated\]/s],
      [{ module: "missing" }, /AzureEFLOW PowerShell module is not installed.*\[module_missing\]/s],
      [
        { module: "blocked" },
        /execution policy \(AllSigned\) blocks the AzureEFLOW module.*\[execution_policy\]/s,
      ],
      [{ vmDeployed: false }, /EFLOW VM is not deployed.*\[vm_not_deployed\]/s],
      [
        { vmDeployed: "throw" },
        /Verify-EflowVm failed: EFLOW VM configuration not found.*\[vm_not_deployed\]/s,
      ],
      // A byte order mark before the result line (a console encoding with one) is not the result's.
      [{ vmDeployed: false, bom: true }, /EFLOW VM is not deployed.*\[vm_not_deployed\]/s],
      [
        { provision: "error" },
        /did not return OK: iotedge service not running after provisioning.*Exception caught!!!.*\(L402\).*\[provision_failed\]/s,
      ],
      [
        { provision: "throw" },
        /module threw: ssh failed to execute \[Permission denied\] at line 3689.*\[provision_failed\]/s,
      ],
    ];
    for (const [index, [scenario, message]] of cases.entries()) {
      const env = { ...powershell.env(scenario), ...(index === 0 && { EDGE_PKI_BOOTSTRAP_TOKEN: token }) };
      const run = await eflowBootstrap(["run", "--config", config], env);
      expect({ scenario, code: run.code }).toEqual({ scenario, code: 1 });
      expect(run.stderr).toMatch(message);
    }
    // The token was redeemed once, by the first run; the later ones found valid files and no token.
    const done = await eflowBootstrap(["run", "--config", config], powershell.env());
    expect(done.code).toBe(0);
    // Every attempt after the first failed Provision-EflowVm clears what it may have copied into the VM.
    const attempts = (await powershell.calls()).filter((call) => call.payload.action === "provision");
    expect(attempts.map((call) => call.payload.clearPreviousFiles)).toEqual([undefined, true, true]);
    expect((await admin.listDeviceCertificates(deviceId)).items).toHaveLength(1);
  });

  test("an unhealthy IoT Edge fails the run, and the next run only verifies again", async ({
    admin,
    ca,
    work,
  }) => {
    const deviceId = "eflow-0005";
    const { token } = await admin.createBootstrapToken(deviceId);
    const config = await file(
      work,
      "eflow-0005.json",
      JSON.stringify({
        deviceId,
        ca: { url: ca.url },
        dir: join(work, deviceId),
        dps: { idScope: "0ne00000005" },
        target: "eflow",
      }),
    );
    const powershell = await standIn(work, "unhealthy");
    const first = await eflowBootstrap(["run", "--config", config], {
      ...powershell.env({ verify: "unhealthy" }),
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(
      /provisioned but not healthy yet: edgeAgent failed; iotedge check: 20 succeeded, 0 warnings, 1 errors.*\[verification_failed\]/s,
    );
    const second = await eflowBootstrap(["run", "--config", config], powershell.env());
    expect(second.code).toBe(0);
    expect((await powershell.calls()).map((call) => call.payload.action)).toEqual([
      "inspect",
      "provision",
      "verify",
      "verify",
    ]);
  });

  test("--dry-run prints every action with the exact PowerShell command, and changes nothing", async ({
    ca,
    work,
  }) => {
    const dir = join(work, "dry-run");
    const config = await file(
      work,
      "dry-run.json",
      JSON.stringify({
        deviceId: "eflow-0004",
        ca: { url: ca.url },
        dir,
        dps: { idScope: "0ne00000004" },
        target: "eflow",
      }),
    );
    const powershell = await standIn(work, "dry-run");
    const run = await eflowBootstrap(["run", "--config", config, "--dry-run"], powershell.env());
    expect(run.code).toBe(0);
    const command = /^ {3}(powershell -NoProfile -NonInteractive -EncodedCommand \S+)$/m.exec(
      run.stdout.split("then:")[1] ?? "",
    )?.[1];
    expect(command).toBeDefined();
    const script = Buffer.from((command as string).split(" ").at(-1) as string, "base64").toString("utf16le");
    const data = /FromBase64String\('([^']*)'\)/.exec(script)?.[1] as string;
    expect(JSON.parse(Buffer.from(data, "base64").toString("utf8"))).toMatchObject({
      action: "provision",
      scopeId: "0ne00000004",
      identityCertPath: join(dir, "certs", "iot-edge-device-identity-eflow-0004-full-chain.cert.pem"),
    });
    expect(run.stdout).toContain(`POST ${ca.url}/v1/certificates`);
    await expect(stat(dir)).rejects.toThrow(/ENOENT/);
    expect(await powershell.calls()).toEqual([]);
  });
});

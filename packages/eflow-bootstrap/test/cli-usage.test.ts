import { describe, expect, it } from "vitest";
import { eflowBootstrap } from "./support/cli.js";

describe("eflow-bootstrap's command line", () => {
  it("prints help on stdout, exit 0", async () => {
    for (const command of [[], ["run"], ["dps", "enroll"]]) {
      const help = await eflowBootstrap([...command, "--help"]);
      expect({ command, code: help.code, stderr: help.stderr }).toEqual({ command, code: 0, stderr: "" });
      expect(help.stdout).toMatch(/^Usage: eflow-bootstrap/);
    }
  });

  it("reports usage mistakes in one line, exit 2, before doing anything", async () => {
    const cases: [string[], Record<string, string>, string][] = [
      [
        ["run"],
        {},
        "eflow-bootstrap: required option '--config <file>' not specified; run eflow-bootstrap run --help\n",
      ],
      [
        ["dps", "enroll", "--group", "g", "--certificate", "root"],
        {},
        "eflow-bootstrap: DPS needs --connection-string-file (or DPS_CONNECTION_STRING) or --dps-host; run eflow-bootstrap dps enroll --help\n",
      ],
      [
        ["dps", "enroll", "--group", "g"],
        { DPS_CONNECTION_STRING: "HostName=h;SharedAccessKeyName=n;SharedAccessKey=c2VjcmV0c2VjcmV0" },
        "eflow-bootstrap: give exactly one of --certificate root|intermediate, --certificate-file, --ca-reference; run eflow-bootstrap dps enroll --help\n",
      ],
      [
        ["dps", "disable-device", "d", "--revoke", "bored"],
        {},
        "eflow-bootstrap: --revoke: bored is not a revocation reason; run eflow-bootstrap dps disable-device --help\n",
      ],
      [
        [
          "dps",
          "enroll",
          "--group",
          "g",
          "--connection-string-file",
          "cs.txt",
          "--dps-host",
          "x.azure-devices-provisioning.net",
        ],
        {},
        "eflow-bootstrap: give --connection-string-file or --dps-host (Entra ID), not both; run eflow-bootstrap dps enroll --help\n",
      ],
      [
        ["dps", "disable-device", "d", "--revoke", "keyCompromise"],
        { EDGE_PKI_URL: "http://admin:s3cret@127.0.0.1:9", EDGE_PKI_TOKEN: "t" },
        "eflow-bootstrap: the CA's URL (EDGE_PKI_URL) must not hold a user name or password (http://***@127.0.0.1:9): the API token goes in its own file or variable; run eflow-bootstrap dps disable-device --help\n",
      ],
    ];
    for (const [args, env, stderr] of cases) {
      expect({ args, ...(await eflowBootstrap(args, env)) }).toEqual({ args, code: 2, stdout: "", stderr });
    }
  });

  it("--dps-host wins over DPS_CONNECTION_STRING, as a flag wins over the environment", async () => {
    const { dpsConnection } = await import("../src/cli/operator-settings.js");
    const env = {
      DPS_CONNECTION_STRING: "HostName=h;SharedAccessKeyName=n;SharedAccessKey=c2VjcmV0c2VjcmV0",
    };
    const byHost = await dpsConnection({ dpsHost: "fleet.azure-devices-provisioning.net" }, env);
    expect(byHost.authentication).toMatchObject({
      kind: "token-credential",
      hostName: "fleet.azure-devices-provisioning.net",
    });
    expect((await dpsConnection({}, env)).authentication.kind).toBe("connection-string");
  });

  it("names every bad field of bootstrap.json, exit 1", async () => {
    const { writeFile, mkdtemp, rm } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = await mkdtemp(join(tmpdir(), "eflow-cli-"));
    try {
      const config = join(dir, "bootstrap.json");
      await writeFile(
        config,
        JSON.stringify({ deviceId: "bad id!", ca: { url: "ftp://x" }, dir, dps: {}, extra: 1 }),
      );
      const run = await eflowBootstrap(["run", "--config", config]);
      expect(run.code).toBe(1);
      for (const field of ["deviceId:", "ca.url:", "dps.idScope:", "Unrecognized key"])
        expect(run.stderr).toContain(field);
      expect(run.stderr).toContain("[config_invalid]");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

import { spawn } from "node:child_process";
import { once } from "node:events";
import type { EstCredential } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { CLI, runCli } from "./support/cli.js";
import { basic, estBasicHandlers, estBasicTable } from "./support/est-basic.js";
import { it } from "./support/fixtures.js";
import { call, testServiceEnv } from "./support/service.js";

/** `edge-pki-ca` on the file's service's data folder (its SQLite store), as an operator runs it on the host. */
const cli = (dataDir: string, ...args: string[]) => runCli(args, testServiceEnv(dataDir));

describe("edge-pki-ca est-credential", () => {
  it("create prints only the password; the service accepts it; list shows it; revoke refuses it", async ({
    service,
    serveOperations,
  }) => {
    const created = await cli(
      service.dataDir,
      "est-credential",
      "create",
      "cli-fleet",
      "--device-prefix",
      "cli-",
    );
    expect(created.code, created.stderr).toBe(0);
    const password = created.stdout.trim();
    expect(created.stdout).toBe(`${password}\n`);
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).not.toContain(password);
    expect(created.stderr).toContain("may enroll devices starting with cli-, until revoked");

    const server = await serveOperations(estBasicTable, estBasicHandlers);
    const enroll = () => call(`${server.url}/test/est/cli-1`, { headers: basic("cli-fleet", password) });
    expect((await enroll()).status).toBe(200);

    const listed = await cli(service.dataDir, "est-credential", "list", "--json");
    expect(listed.code, listed.stderr).toBe(0);
    const items = JSON.parse(listed.stdout) as EstCredential[];
    const record = items.find((item) => item.username === "cli-fleet");
    expect(record).toMatchObject({ devicePrefix: "cli-", createdBy: "edge-pki-ca est-credential create" });
    expect(listed.stdout).not.toContain(password);
    const table = await cli(service.dataDir, "est-credential", "list");
    expect(table.stdout).toMatch(/^ID +USERNAME +MAY ENROLL +EXPIRES +STATUS$/m);
    expect(table.stdout).toMatch(/cli-fleet +prefix cli- +never +live/);

    const revoked = await cli(service.dataDir, "est-credential", "revoke", record?.id ?? "");
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`revoked EST credential ${record?.id} (username cli-fleet)`);
    // Another process revoked it: the service learns of it through its revocation list, within seconds.
    await expect.poll(async () => (await enroll()).status, { timeout: 15_000, interval: 250 }).toBe(401);
  });

  it.for([
    [["create", "no-scope"], "give exactly one of --device-prefix (a fleet) and --device-id (one device)"],
    [["create", "both", "--device-prefix", "a-", "--device-id", "a-1"], "give exactly one of"],
    [["create", "co:lon", "--device-id", "a-1"], "username must be"],
    [["create", "bad-prefix", "--device-prefix", "a/"], "--device-prefix must be"],
    [["create", "bad-ttl", "--device-id", "a-1", "--ttl", "forever"], "--ttl must look like"],
    [["revoke", "not-an-id"], "<id> must be an EST credential's id"],
    [["list", "--limit", "0"], "--limit must be"],
  ] as const)("bad input is one line on stderr and exit 2: %s", async ([args, message], { service }) => {
    const result = await cli(service.dataDir, "est-credential", ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stderr).toContain(message);
  });

  it.for([
    ["short-pass", "fifteen-chars!!", 2],
    ["stdin-pass", "sixteen-chars!!!", 0],
  ] as const)(
    "--password-stdin: %s (a password of 15, then 16 characters)",
    async ([username, password, code], { service }) => {
      const child = spawn(
        process.execPath,
        [CLI, "est-credential", "create", username, "--device-id", `${username}-1`, "--password-stdin"],
        { env: { PATH: process.env.PATH ?? "", ...testServiceEnv(service.dataDir) } },
      );
      child.stdin.end(`${password}\n`);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      // "close", not "exit": only then has all it printed been read.
      const [exitCode] = (await once(child, "close")) as [number];
      expect(exitCode, stderr).toBe(code);
      // A password of the operator's own is never printed back.
      expect(stdout).toBe("");
      if (code === 2) expect(stderr).toContain("password must be 16 to 256 visible ASCII characters");
    },
  );
});

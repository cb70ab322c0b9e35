import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ApiToken, ApiTokenList, AuditPage } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { it } from "./support/fixtures.js";
import { call } from "./support/service.js";

/** The built CLI (`pnpm build` first), run as an operator would. */
const CLI = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
const PASSPHRASE = "test passphrase, not secret";
const run = promisify(execFile);

async function cli(args: string[], dataDir: string) {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, EDGE_PKI_DATA_DIR: dataDir, EDGE_PKI_KEY_PASSPHRASE: PASSPHRASE },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe("edge-pki-ca token create", () => {
  it("prints only the token on stdout; the service accepts it, confined to its prefix", async ({
    service,
  }) => {
    const result = await cli(
      [
        "token",
        "create",
        "--role",
        "issuer",
        "--device-prefix",
        "line7-",
        "--ttl",
        "30d",
        "--subject",
        "line7",
      ],
      service.dataDir,
    );
    expect(result.code).toBe(0);
    const token = result.stdout.trim();
    expect(result.stdout).toBe(`${token}\n`);
    expect(result.stderr).not.toContain(token);
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ sub: "line7", roles: ["issuer"], device_prefix: "line7-" });
    expect((claims.exp as number) - (claims.iat as number)).toBe(30 * 86_400);
    const inside = await call(`${service.url}/v1/credentials`, { body: { deviceId: "line7-cli" }, token });
    expect(inside.status).toBe(201);
    const outside = await call(`${service.url}/v1/credentials`, { body: { deviceId: "line8-cli" }, token });
    expect(outside.status).toBe(403);
  });

  it("accepts 3600s, 15m and 12h; audits each token minted", async ({ service }) => {
    for (const [ttl, seconds] of [
      ["3600s", 3600],
      ["15m", 900],
      ["12h", 43_200],
    ] as const) {
      const result = await cli(["token", "create", "--role", "reader", "--ttl", ttl], service.dataDir);
      const claims = decodeJwt(result.stdout.trim());
      expect((claims.exp as number) - (claims.iat as number)).toBe(seconds);
    }
    const audit = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, { token: service.adminToken });
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: "token.create", target: "token:line7" }),
    );
    const minted = audit.body.items.filter(
      (item) => item.action === "token.create" && item.actor === "edge-pki-ca token create",
    );
    expect(minted.length).toBeGreaterThanOrEqual(4);
  });

  it("refuses a data folder without a CA in one line, creating nothing there", async ({ service }) => {
    const typo = join(service.dataDir, "..", `typo-${Date.now()}`);
    const result = await cli(["token", "create", "--role", "issuer"], typo);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("edge-pki-ca: the CA is not initialised: run `edge-pki-ca init` first\n");
    await expect(stat(typo)).rejects.toThrow("ENOENT");
  });

  it("pnpm ca token create, from the repository root, prints only the token on stdout", async ({
    service,
  }) => {
    const root = fileURLToPath(new URL("../../..", import.meta.url));
    const { stdout } = await run(
      "pnpm",
      ["ca", "token", "create", "--role", "reader", "--data-dir", service.dataDir],
      {
        cwd: root,
        env: { ...process.env, EDGE_PKI_KEY_PASSPHRASE: PASSPHRASE },
      },
    );
    const token = stdout.trim();
    expect(stdout).toBe(`${token}\n`);
    expect((await call(`${service.url}/v1/audit?limit=1`, { token })).status).toBe(200);
  });

  it("without --subject, each token gets a unique subject, named on stderr", async ({ service }) => {
    const subjects: string[] = [];
    for (let i = 0; i < 2; i += 1) {
      const result = await cli(["token", "create", "--role", "issuer"], service.dataDir);
      expect(result.code).toBe(0);
      const { sub } = decodeJwt(result.stdout.trim());
      expect(sub).toMatch(/^cli-issuer-[0-9a-f]{8}$/);
      expect(result.stderr).toContain(`token for subject ${sub} (issuer; audited as token:${sub})`);
      subjects.push(sub as string);
    }
    expect(subjects[0]).not.toBe(subjects[1]);
  });

  for (const [args, message] of [
    [["token", "create"], "--role must be one of admin, issuer, reader"],
    [["token", "create", "--role", "device-bootstrap"], "--role must be one of admin, issuer, reader"],
    [["token", "create", "--role", "reader", "--ttl", "30"], "--ttl must look like 3600s, 15m, 12h or 30d"],
    [["token", "create", "--role", "reader", "--ttl", "400d"], "--ttl must be at most 365d"],
    [
      ["token", "create", "--role", "reader", "--device-prefix", "x-"],
      "--device-prefix applies to --role issuer only",
    ],
    [
      ["token", "create", "--role", "issuer", "--device-prefix", "bad prefix"],
      "--device-prefix must be 1 to 63",
    ],
    [["token", "mint", "--role", "reader"], "expected 'token create'"],
    [["token", "create", "--role", "reader", "--bogus"], "Unknown option '--bogus'"],
    [["token", "create", "--role", "reader", "--ttl", "-5d"], "Option '--ttl' argument is ambiguous"],
    [["token", "create", "--role", "reader", "--ttl=-5d"], "--ttl must look like 3600s, 15m, 12h or 30d"],
    [["token", "create", "--role", "reader", "--ttl", "0s"], "(a positive whole number and a unit)"],
    [["token", "create", "--role", "reader", "--role", "admin"], "--role was given more than once"],
    ...["600", "0/min", "1000001/min", "5/s", "1.5/min", "12 /min"].map(
      (limit) =>
        [
          ["token", "create", "--role", "reader", `--rate-limit=${limit}`],
          "--rate-limit must look like 600/min: a whole number of requests per minute from 1 to 1000000",
        ] as const,
    ),
  ] as const) {
    it(`usage error, exit 2, one line: ${args.slice(2).join(" ") || "(no role)"}`, async ({ service }) => {
      const result = await cli([...args], service.dataDir);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe("");
      expect(result.stderr).toContain(message);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    });
  }
});

describe("edge-pki-ca token create --rate-limit", () => {
  it("mints a token with its own budget: in its claims, in the registry, in token list and GET /v1/tokens", async ({
    service,
  }) => {
    const created = await cli(
      ["token", "create", "--role", "issuer", "--subject", "line9", "--rate-limit", "120/min"],
      service.dataDir,
    );
    expect(created.code).toBe(0);
    expect(created.stderr).toContain(
      "token for subject line9 (issuer, 120 requests/min; audited as token:line9)",
    );
    expect(decodeJwt(created.stdout.trim())).toMatchObject({ sub: "line9", rate_limit_per_minute: 120 });
    const listed = await cli(["token", "list"], service.dataDir);
    expect(listed.stdout.split("\n")[0]).toMatch(
      /^TOKEN ID +SUBJECT +ROLES +PREFIX +RATE LIMIT +EXPIRES +STATUS$/,
    );
    expect(listed.stdout).toMatch(/ line9 +issuer +- +120\/min +\S+ +live\n/);
    // A token without a limit of its own is shown on the service's default.
    expect(listed.stdout).toMatch(/ local-admin +admin +- +default +\S+ +live\n/);
    const json = JSON.parse((await cli(["token", "list", "--json"], service.dataDir)).stdout) as ApiToken[];
    expect(json.find((token) => token.subject === "line9")?.rateLimitPerMinute).toBe(120);
    const api = await call<ApiTokenList>(`${service.url}/v1/tokens`, { token: service.adminToken });
    expect(api.body.items.find((token) => token.subject === "line9")?.rateLimitPerMinute).toBe(120);
  });

  it("a bad --rate-limit records nothing and audits nothing", async ({ service }) => {
    const refused = await cli(
      ["token", "create", "--role", "reader", "--subject", "line10", "--rate-limit", "0/min"],
      service.dataDir,
    );
    expect(refused.code).toBe(2);
    const json = JSON.parse((await cli(["token", "list", "--json"], service.dataDir)).stdout) as ApiToken[];
    expect(json.some((token) => token.subject === "line10")).toBe(false);
    const audit = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, { token: service.adminToken });
    expect(audit.body.items.some((item) => item.target === "token:line10")).toBe(false);
  });
});

describe("edge-pki-ca start: the first admin token", () => {
  /** Starts the CLI and resolves with its stdout once it reports listening. */
  function start(dataDir: string): Promise<{ child: ChildProcess; stdout: string; stderr: () => string }> {
    const child = spawn(process.execPath, [CLI, "start"], {
      env: {
        ...process.env,
        EDGE_PKI_DATA_DIR: dataDir,
        EDGE_PKI_KEY_PASSPHRASE: PASSPHRASE,
        EDGE_PKI_PORT: "0",
        // One process: what is tested is the token file, not the workers, and each start of
        // several workers loads the keys once per worker (two starts of two took over 30 s under
        // CI's load).
        EDGE_PKI_WORKERS: "1",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    return new Promise((resolve, reject) => {
      child.stdout?.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("admin token")) resolve({ child, stdout, stderr: () => stderr });
      });
      child.once("exit", (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
    });
  }

  async function stop(child: ChildProcess): Promise<void> {
    const exited = new Promise((resolve) => child.once("close", resolve));
    child.kill("SIGTERM");
    await exited;
  }

  it("writes admin.token once (0600), prints only its path, and never overwrites it", async ({ dataDir }) => {
    const folder = join(dataDir.path, "first-start");
    const path = join(folder, "admin.token");
    const first = await start(folder);
    await stop(first.child);
    const token = (await readFile(path, "utf8")).trim();
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(first.stdout).toContain(`admin token written to: ${path}`);
    expect(first.stdout).not.toContain(token);
    expect(first.stderr()).not.toContain(token);
    expect(decodeJwt(token)).toMatchObject({ sub: "local-admin", roles: ["admin"] });

    const second = await start(folder);
    const url = /listening on (\S+)/.exec(second.stdout)?.[1];
    const audit = await call(`${url}/v1/audit`, { token });
    await stop(second.child);
    expect(second.stdout).toContain(`admin token: ${path}`);
    expect((await readFile(path, "utf8")).trim()).toBe(token);
    expect(audit.status).toBe(200);
  });
});

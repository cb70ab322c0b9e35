// `edge-pki batch` against the service-only rate, in one run, on this machine. `pnpm bench:batch`
// builds and runs it (`pnpm bench` is the service's own benchmark); numbers go to stdout. Never run
// from tests: timing belongs here. The CLI must not be the bottleneck: its rate should be at least
// 80% of the service's.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildCsr } from "../device/csr.js";
import { generateDeviceKey } from "../device/key-pair.js";

const { values } = parseArgs({
  options: {
    devices: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "16" },
    rounds: { type: "string", default: "2" },
  },
});
const devices = Number(values.devices);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);
const TARGET = 0.8;

const CA_CLI = join(dirname(fileURLToPath(import.meta.resolve("@edge-pki/ca-service"))), "cli", "main.js");
const EDGE_PKI_CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));

const work = await mkdtemp(join(tmpdir(), "edge-pki-bench-batch-"));
const env = {
  PATH: process.env.PATH ?? "",
  EDGE_PKI_DATA_DIR: join(work, "ca"),
  EDGE_PKI_PORT: "0",
  EDGE_PKI_KEY_PASSPHRASE: "benchmark only, not secret",
  // The benchmark measures issuance, not the rate limiter.
  EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0",
};
const ca = await startCa(env);
try {
  const token = (await readFile(join(env.EDGE_PKI_DATA_DIR, "admin.token"), "utf8")).trim();
  // Service-only runs before, between and after the CLI's: the database grows as it goes and a
  // shared machine's load comes and goes, so each side's median is compared.
  const service: number[] = [await serviceOnly(ca.url, token, 0)];
  const batch: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    batch.push(await cliBatch(ca.url, token, round));
    service.push(await serviceOnly(ca.url, token, round));
  }
  const ratio = median(batch) / median(service);
  const rates = (values: number[]) => values.map((value) => value.toFixed(0)).join(", ");
  report(
    `service only (POST /v1/certificates, CSRs made beforehand), ${devices} devices, concurrency ${concurrency}: ${median(service).toFixed(0)}/s (median of ${rates(service)})`,
  );
  report(
    `edge-pki batch (local ECDSA P-256 keys, files, journal), ${devices} devices, concurrency ${concurrency}: ${median(batch).toFixed(0)}/s (median of ${rates(batch)})`,
  );
  report(`edge-pki batch / service only: ${(ratio * 100).toFixed(0)}% (target at least ${TARGET * 100}%)`);
  if (ratio < TARGET) process.exitCode = 1;
} finally {
  ca.process.kill("SIGTERM");
  await new Promise((resolve) => ca.process.once("exit", resolve));
  await rm(work, { recursive: true, force: true });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function report(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Devices per second the service issues for ready-made CSRs through plain fetch. */
async function serviceOnly(url: string, token: string, round: number): Promise<number> {
  const csrs: string[] = [];
  for (let index = 0; index < devices; index++) {
    csrs.push((await buildCsr(`service-${round}-${index}`, await generateDeviceKey())).pem);
  }
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < devices) {
        const csr = csrs[next++];
        const response = await fetch(`${url}/v1/certificates`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify({ csr }),
        });
        await response.arrayBuffer();
        if (response.status !== 201) failures++;
      }
    }),
  );
  // A benchmark that measured refusals would be a lie.
  if (failures > 0) throw new Error(`${failures} requests of the service-only run failed`);
  return devices / ((performance.now() - started) / 1000);
}

/** Devices per second of the whole `edge-pki batch` process, from its start to its exit. */
async function cliBatch(url: string, token: string, round: number): Promise<number> {
  const input = join(work, "devices.csv");
  await writeFile(
    input,
    ["deviceId", ...Array.from({ length: devices }, (_, index) => `cli-${index}`)].join("\n"),
  );
  const tokenFile = join(work, "token");
  await writeFile(tokenFile, token, { mode: 0o600 });
  const args = [
    "batch",
    "--input",
    input,
    "--out",
    join(work, `out-${round}`),
    "--concurrency",
    String(concurrency),
  ];
  const started = performance.now();
  const child = spawn(process.execPath, [EDGE_PKI_CLI, ...args], {
    env: { PATH: env.PATH, EDGE_PKI_URL: url, EDGE_PKI_TOKEN_FILE: tokenFile },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise((resolve) => child.once("exit", resolve));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`edge-pki batch exited with ${code}: ${stderr.slice(-500)}`);
  return devices / seconds;
}

async function startCa(settings: Record<string, string>): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CA_CLI, "start"], {
    env: settings,
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = /listening on (\S+)/.exec(stdout)?.[1];
      if (url) resolve({ process: child, url });
    });
    child.once("exit", (code) => reject(new Error(`edge-pki-ca exited with ${code}`)));
  });
}

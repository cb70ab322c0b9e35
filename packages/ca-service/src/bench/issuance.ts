// Issuance throughput through the real HTTP API on the embedded default (local keys, SQLite), with the
// service started as an operator starts it (`edge-pki-ca start`), once per worker count.
// `pnpm bench` builds and runs it; numbers go to stdout. Never run from tests: timing belongs here.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { x509 } from "../core/x509.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "16" },
    /** Worker counts to compare, e.g. `1,2`. */
    workers: { type: "string", default: `1,${availableParallelism()}` },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);
const workerCounts = [...new Set(values.workers.split(",").map(Number))];
const CLI = fileURLToPath(new URL("../cli/main.js", import.meta.url));

/** CSRs made before the clock starts: the load generator shares the machine and must not weigh on it. */
async function deviceCsrs(count: number): Promise<string[]> {
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]);
  return Promise.all(
    Array.from({ length: count }, async (_, i) =>
      (
        await x509.Pkcs10CertificateRequestGenerator.create({
          name: `CN=bench-csr-${i}`,
          keys,
          signingAlgorithm: algorithm,
        })
      ).toString("pem"),
    ),
  );
}

const CLOCK_TICKS_PER_SECOND =
  process.platform === "linux" ? Number(execFileSync("getconf", ["CLK_TCK"])) : 0;

/**
 * CPU seconds used so far by a process and its children (the workers), from /proc: on a machine
 * shared with other work, the cost per certificate says more than the rate. Undefined off Linux.
 */
function cpuSeconds(rootPid: number): number | undefined {
  if (CLOCK_TICKS_PER_SECOND === 0) return undefined;
  const stats = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // After the command's closing parenthesis: state, ppid, ... utime (14th field), stime (15th).
      const fields = readFileSync(`/proc/${entry}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
      stats.set(Number(entry), { parent: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0;
  for (const [pid, stat] of stats) {
    if (pid === rootPid || stat.parent === rootPid) ticks += stat.ticks;
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** `edge-pki-ca start` on a fresh data folder; the benchmark measures issuance, so no rate limit. */
async function startService(workers: number) {
  const dataDir = await mkdtemp(join(tmpdir(), "edge-pki-bench-"));
  const child = spawn(process.execPath, [CLI, "start"], {
    env: {
      PATH: process.env.PATH ?? "",
      EDGE_PKI_DATA_DIR: dataDir,
      EDGE_PKI_PORT: "0",
      EDGE_PKI_KEY_PASSPHRASE: "benchmark only, not secret",
      EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0",
      EDGE_PKI_WORKERS: String(workers),
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let stdout = "";
  for await (const chunk of child.stdout) {
    stdout += chunk;
    if (stdout.includes("data folder")) break;
  }
  const url = stdout.match(/listening on (\S+)/)?.[1];
  if (url === undefined) throw new Error(`the service did not start: ${stdout}`);
  const token = (await readFile(join(dataDir, "admin.token"), "utf8")).trim();
  return {
    url,
    token,
    cpuSeconds: () => (child.pid === undefined ? undefined : cpuSeconds(child.pid)),
    async stop() {
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const csrs = await deviceCsrs(requests);
const paths = [
  ["CSR (device key)", "/v1/certificates", (i: number) => ({ csr: csrs[i], validityDays: 30 })],
  ["credentials (server-side P-256 key)", "/v1/credentials", (i: number) => ({ deviceId: `bench-${i}` })],
] as const;

process.stdout.write(
  `${requests} requests per run, concurrency ${concurrency}, ${availableParallelism()} cores shared with the load generator\n`,
);
for (const workers of workerCounts) {
  const service = await startService(workers);
  try {
    for (const [name, path, body] of paths) {
      const latencies: number[] = [];
      let next = 0;
      let failures = 0;
      const started = performance.now();
      const cpuBefore = service.cpuSeconds();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < requests) {
            const i = next++;
            const t0 = performance.now();
            const response = await fetch(`${service.url}${path}`, {
              method: "POST",
              headers: { "content-type": "application/json", authorization: `Bearer ${service.token}` },
              body: JSON.stringify(body(i)),
            });
            await response.arrayBuffer();
            if (response.status !== 201) failures++;
            latencies.push(performance.now() - t0);
          }
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = service.cpuSeconds();
      const cpuPerCertificate =
        cpuBefore === undefined || cpuAfter === undefined
          ? "n/a"
          : `${(((cpuAfter - cpuBefore) * 1000) / requests).toFixed(2)} ms`;
      latencies.sort((a, b) => a - b);
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
      // A benchmark that measured refusals would be a lie.
      if (failures > 0) process.exitCode = 1;
      // The machine may be shared: the load average says how much else was running.
      const load = loadavg()
        .map((value) => value.toFixed(2))
        .join(" ");
      process.stdout.write(
        `workers ${workers}, ${name}: ${(requests / seconds).toFixed(0)}/s, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, service CPU per certificate ${cpuPerCertificate}, failures ${failures}, load average ${load}\n`,
      );
    }
  } finally {
    await service.stop();
  }
}

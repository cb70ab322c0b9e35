// Issuance throughput through the real HTTP API on the embedded default (local keys, SQLite).
// `pnpm bench` builds and runs it; numbers go to stdout. Never run from tests: timing belongs here.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mintApiToken } from "../app/mint-api-token.js";
import { initialiseCa, openKeyStore, openServiceContext, type Runtime } from "../compose.js";
import { loadConfig } from "../config/config.js";
import { silentLogger } from "../logger.js";
import { startServer } from "../server.js";

const { values } = parseArgs({
  options: {
    requests: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "16" },
  },
});
const requests = Number(values.requests);
const concurrency = Number(values.concurrency);

const dataDir = await mkdtemp(join(tmpdir(), "edge-pki-bench-"));
// The benchmark measures issuance, not the rate limiter: it is off here.
const runtime: Runtime = {
  config: loadConfig({
    EDGE_PKI_DATA_DIR: dataDir,
    EDGE_PKI_PORT: "0",
    EDGE_PKI_KEY_PASSPHRASE: "benchmark only, not secret",
    EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0",
  }),
  logger: silentLogger,
};
const keyStore = await openKeyStore(runtime, "create");
await initialiseCa(runtime, keyStore);
const context = await openServiceContext(runtime, keyStore);
const server = await startServer(context, runtime.config, silentLogger);
const { token } = await mintApiToken(context, {
  subject: "bench",
  roles: ["issuer"],
  lifetimeSeconds: 3600,
  actor: "bench",
});

try {
  for (const [name, path, body] of [
    ["credentials (server-side P-256 key)", "/v1/credentials", (i: number) => ({ deviceId: `bench-${i}` })],
  ] as const) {
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          const i = next++;
          const t0 = performance.now();
          const response = await fetch(`${server.url}${path}`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
            body: JSON.stringify(body(i)),
          });
          await response.arrayBuffer();
          if (response.status !== 201) failures++;
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) =>
      latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]?.toFixed(1);
    // A benchmark that measured refusals would be a lie.
    if (failures > 0) process.exitCode = 1;
    process.stdout.write(
      `${name}: ${requests} requests, concurrency ${concurrency}: ${(requests / seconds).toFixed(0)}/s, p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, p99 ${at(0.99)} ms, failures ${failures}\n`,
    );
  }
} finally {
  await server.close();
  await context.store.close();
  await rm(dataDir, { recursive: true, force: true });
}

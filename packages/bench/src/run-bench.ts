import { cpus, loadavg } from "node:os";
import type { Cleanup } from "./cleanup.js";
import { measureCryptoFloor } from "./crypto-floor.js";
import { generateCsrs } from "./csr-pool.js";
import { driveIssuance, type IssuanceEndpoint } from "./load.js";
import type { BenchOptions } from "./options.js";
import { cpuSecondsOfTree } from "./process-cpu.js";
import { BenchResult, type KeyVaultResult, type RunResult, type ServerTarget } from "./result.js";
import { cfsslVersion, findCfssl, startCfssl } from "./servers/cfssl.js";
import { startEdgePki } from "./servers/edge-pki.js";
import { startBenchVault } from "./servers/key-vault.js";
import { createThrowawayDatabase, POSTGRES_URL } from "./servers/postgres.js";
import { evaluateTargets } from "./targets.js";

type Log = (line: string) => void;

/**
 * One benchmark run: the crypto floor, then each server in turn at each concurrency with the same
 * pre-made CSRs, then Key Vault mode; every server is stopped (and its folder or database removed)
 * before the next starts, so they do not compete for the cores.
 */
export async function runBench(options: BenchOptions, cleanup: Cleanup, log: Log): Promise<BenchResult> {
  const startedAt = new Date().toISOString();
  const loadAverageBefore = loadavg();
  const skipped: BenchResult["skipped"] = [];
  const cfssl = options.targets.includes("cfssl") ? await findCfssl() : undefined;
  if (options.targets.includes("cfssl") && cfssl === undefined) {
    skipped.push({
      target: "cfssl",
      reason: "cfssl is not on PATH (Debian: apt-get install golang-cfssl); no side-by-side comparison",
    });
  }

  log(`crypto floor: ${options.floorIterations} verifications and signatures`);
  const floor = measureCryptoFloor(options.floorIterations);
  const perRun = options.maxRequestsPerRun;
  log(`making ${perRun * options.concurrencies.length} P-256 CSRs`);
  const csrs = await generateCsrs(perRun * options.concurrencies.length, "bench");
  const csrsFor = (index: number) => csrs.slice(index * perRun, (index + 1) * perRun);

  const runs: RunResult[] = [];
  const servers: [ServerTarget, () => Promise<{ endpoint: IssuanceEndpoint; stop(): Promise<void> }>][] = [
    ["embedded", () => startEdgePki({}, options.startTimeoutMs)],
    ["postgres", () => startOnPostgres(options, cleanup)],
    ["cfssl", () => startCfssl(cfssl as string, options.startTimeoutMs)],
  ];
  for (const [target, start] of servers) {
    if (!options.targets.includes(target) || (target === "cfssl" && cfssl === undefined)) continue;
    log(`starting ${target}`);
    let server: Awaited<ReturnType<typeof start>>;
    try {
      server = await start();
    } catch (error) {
      if (target !== "postgres" || !(error instanceof PostgresUnreachable)) throw error;
      skipped.push({ target, reason: error.message });
      continue;
    }
    const stop = cleanup.add(() => server.stop());
    try {
      for (const [index, concurrency] of options.concurrencies.entries()) {
        const run = await driveIssuance(
          server.endpoint,
          { ...options, concurrency, csrs: csrsFor(index) },
          cpuSecondsOfTree,
        );
        runs.push({ target, ...run });
        log(`${target} c${concurrency}: ${run.certificatesPerSecond.toFixed(0)}/s, ${run.failures} failed`);
      }
    } finally {
      await stop();
    }
  }

  const keyVault = options.targets.includes("keyvault")
    ? await runKeyVault(options, csrsFor(0), cleanup, log)
    : null;
  const measured = { floor, runs, keyVault };
  return BenchResult.parse({
    schemaVersion: 1,
    mode: options.mode,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      loadAverageBefore,
      loadAverageAfter: loadavg(),
      cfssl: cfssl === undefined ? null : await cfsslVersion(cfssl),
    },
    settings: {
      warmupSeconds: options.warmupMs / 1000,
      durationSeconds: options.durationMs / 1000,
      maxRequestsPerRun: perRun,
      concurrencies: options.concurrencies,
    },
    ...measured,
    skipped,
    targets: evaluateTargets(measured, options.mode),
  });
}

class PostgresUnreachable extends Error {}

/** The service on a throwaway database, dropped when the service stops. */
async function startOnPostgres(options: BenchOptions, cleanup: Cleanup) {
  const database = await createThrowawayDatabase().catch((error: unknown) => {
    const cause = error instanceof Error ? error.message : String(error);
    throw new PostgresUnreachable(`PostgreSQL did not answer at ${new URL(POSTGRES_URL).host} (${cause})`);
  });
  const drop = cleanup.add(() => database.drop());
  try {
    const server = await startEdgePki(database.settings, options.startTimeoutMs);
    return {
      endpoint: server.endpoint,
      stop: async () => {
        await server.stop();
        await drop();
      },
    };
  } catch (error) {
    await drop();
    throw error;
  }
}

/**
 * The service signing with the Key Vault emulator, throttled once it has started (its start reads
 * and creates keys, which is not what is measured): certificates per second over the throttle's
 * rate, and every request that did not end in a certificate.
 */
async function runKeyVault(
  options: BenchOptions,
  csrs: readonly string[],
  cleanup: Cleanup,
  log: Log,
): Promise<KeyVaultResult> {
  const { concurrency, limit, windowMs, warmupMs, durationMs } = options.keyVault;
  log("starting the Key Vault emulator and keyvault");
  const vault = await startBenchVault();
  const stopVault = cleanup.add(() => vault.stop());
  try {
    const server = await startEdgePki(vault.settings, options.startTimeoutMs);
    const stop = cleanup.add(() => server.stop());
    try {
      await vault.emulator.setFaults({ throttle: { limits: { keyOperation: limit }, windowMs } });
      const throttledBefore = vault.emulator.stats.throttled;
      const run = await driveIssuance(
        server.endpoint,
        { ...options, concurrency, warmupMs, durationMs, csrs },
        cpuSecondsOfTree,
      );
      const limitPerSecond = (limit * 1000) / windowMs;
      const result: KeyVaultResult = {
        run: { target: "keyvault", ...run },
        limit,
        windowMs,
        limitPerSecond,
        shareOfLimit: run.certificatesPerSecond / limitPerSecond,
        throttled: vault.emulator.stats.throttled - throttledBefore,
      };
      log(
        `keyvault c${concurrency}: ${run.certificatesPerSecond.toFixed(0)}/s of ${limitPerSecond}/s, ${run.failures} failed`,
      );
      return result;
    } finally {
      await stop();
    }
  } finally {
    await stopVault();
  }
}

import { parseArgs } from "node:util";
import { ALL_TARGETS, type BenchMode, type Target } from "./result.js";

export interface BenchOptions {
  mode: BenchMode;
  targets: Target[];
  concurrencies: number[];
  warmupMs: number;
  durationMs: number;
  /** CSRs per run: a run ends when they are used up, even before its duration. */
  maxRequestsPerRun: number;
  requestTimeoutMs: number;
  startTimeoutMs: number;
  floorIterations: number;
  keyVault: { concurrency: number; limit: number; windowMs: number; warmupMs: number; durationMs: number };
  /** The whole run is stopped (servers too) when it takes longer than this. */
  deadlineMs: number;
  outDir: string;
  /** Where `--publish` copies the table, chart and JSON (the copy the docs show). */
  publishDir: string | undefined;
}

/**
 * Key Vault counts transactions in 10-second windows; the emulator's window is shortened to one
 * second, at the same rate, so that even a short run spans many windows and measures a sustained
 * rate rather than one window's burst.
 */
const KEY_VAULT_THROTTLE = { limit: 100, windowMs: 1000 };

const MODES: Record<BenchMode, Omit<BenchOptions, "mode" | "targets" | "outDir" | "publishDir">> = {
  // A handful of requests through every part, for the end-to-end test: no number means anything.
  smoke: {
    concurrencies: [1, 2],
    warmupMs: 0,
    durationMs: 10_000,
    maxRequestsPerRun: 4,
    requestTimeoutMs: 20_000,
    startTimeoutMs: 60_000,
    floorIterations: 20,
    keyVault: { concurrency: 2, ...KEY_VAULT_THROTTLE, warmupMs: 0, durationMs: 10_000 },
    deadlineMs: 5 * 60_000,
  },
  quick: {
    concurrencies: [1, 16, 64],
    warmupMs: 500,
    durationMs: 3_000,
    maxRequestsPerRun: 6_000,
    requestTimeoutMs: 20_000,
    startTimeoutMs: 60_000,
    floorIterations: 1_000,
    keyVault: { concurrency: 16, ...KEY_VAULT_THROTTLE, warmupMs: 1_000, durationMs: 3_000 },
    deadlineMs: 10 * 60_000,
  },
  full: {
    concurrencies: [1, 16, 64],
    warmupMs: 1_000,
    durationMs: 8_000,
    maxRequestsPerRun: 30_000,
    requestTimeoutMs: 30_000,
    startTimeoutMs: 60_000,
    floorIterations: 5_000,
    keyVault: { concurrency: 16, ...KEY_VAULT_THROTTLE, warmupMs: 1_000, durationMs: 8_000 },
    deadlineMs: 20 * 60_000,
  },
};

export const USAGE = `usage: pnpm bench [-- [--quick | --smoke] [--targets ${ALL_TARGETS.join(",")}] [--out <dir>] [--publish [--publish-dir <dir>]]]
  (default)   full run: 1 s warm-up and 8 s measured per server and concurrency (1, 16, 64)
  --quick     0.5 s warm-up and 3 s measured
  --smoke     a few requests per run, concurrency 1 and 2: checks that everything works, measures nothing
  --targets   which servers, comma-separated (default: all; cfssl is skipped when not on PATH)
  --out       where result.json, results.md and throughput.svg go (default: bench-results)
  --publish   also copy them to --publish-dir (default: docs/bench), the copy the docs show
  --help      this`;

/** Options from the command line (a leading `--`, as `pnpm bench -- --quick` passes it, is dropped). */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== "--"),
    options: {
      quick: { type: "boolean", default: false },
      smoke: { type: "boolean", default: false },
      targets: { type: "string" },
      out: { type: "string", default: "bench-results" },
      publish: { type: "boolean", default: false },
      "publish-dir": { type: "string", default: "docs/bench" },
    },
    strict: true,
  });
  if (values.quick && values.smoke) throw new Error("--quick and --smoke exclude each other");
  const mode: BenchMode = values.smoke ? "smoke" : values.quick ? "quick" : "full";
  return {
    mode,
    targets: values.targets === undefined ? [...ALL_TARGETS] : parseTargets(values.targets),
    ...MODES[mode],
    outDir: values.out,
    publishDir: values.publish ? values["publish-dir"] : undefined,
  };
}

function parseTargets(list: string): Target[] {
  const targets = list.split(",").map((name) => name.trim());
  for (const target of targets) {
    if (!(ALL_TARGETS as readonly string[]).includes(target)) {
      throw new Error(`--targets: unknown target '${target}' (${ALL_TARGETS.join(", ")})`);
    }
  }
  return targets as Target[];
}

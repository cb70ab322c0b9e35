import { z } from "zod";

/**
 * What `pnpm bench` writes to result.json: the schema is the contract of that file, checked on every
 * write, so the table, the chart and anyone comparing two runs read the same fields.
 */

export const SERVER_TARGETS = ["embedded", "postgres", "cfssl"] as const;
export type ServerTarget = (typeof SERVER_TARGETS)[number];
export const ALL_TARGETS = [...SERVER_TARGETS, "keyvault"] as const;
export type Target = (typeof ALL_TARGETS)[number];

export const BENCH_MODES = ["smoke", "quick", "full"] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

const nonNegative = z.number().nonnegative();

export const RunResult = z.object({
  target: z.enum(ALL_TARGETS),
  concurrency: z.number().int().positive(),
  /** Successful issuances inside the measured window (after the warm-up). */
  certificates: z.number().int().nonnegative(),
  /** Length of the measured window. */
  seconds: nonNegative,
  certificatesPerSecond: nonNegative,
  /** Of the successful issuances in the window; null when there were none. */
  latencyMs: z.object({ p50: nonNegative, p99: nonNegative }).nullable(),
  /** CPU of the server's processes in the window per certificate; null where it cannot be read. */
  cpuMsPerCertificate: nonNegative.nullable(),
  /** Requests of the whole run (warm-up included) that did not end in a certificate. */
  failures: z.number().int().nonnegative(),
  /** Up to three distinct failure descriptions, for whoever has to find out why. */
  failureSamples: z.array(z.string()),
});
export type RunResult = z.infer<typeof RunResult>;

export const CryptoFloor = z.object({
  iterations: z.number().int().positive(),
  /** Import of the CSR's SPKI plus the verification of its signature (P-256, SHA-256). */
  verifyMicroseconds: nonNegative,
  /** One P-256 signature by an imported CA key. */
  signMicroseconds: nonNegative,
  /** The two together: the CPU a certificate cannot cost less than. */
  microsecondsPerCertificate: nonNegative,
  certificatesPerSecondPerCore: nonNegative,
});
export type CryptoFloor = z.infer<typeof CryptoFloor>;

export const KeyVaultResult = z.object({
  run: RunResult,
  /** The emulator's throttle on signatures (Key Vault's "key operation" type), per window. */
  limit: z.number().int().positive(),
  windowMs: z.number().int().positive(),
  limitPerSecond: nonNegative,
  /** Certificates per second over the limit's rate. */
  shareOfLimit: nonNegative,
  /** 429s the emulator answered in the run; the service retries them. */
  throttled: z.number().int().nonnegative(),
});
export type KeyVaultResult = z.infer<typeof KeyVaultResult>;

export const TargetStatus = z.enum(["met", "not met", "not measured"]);
export const TargetCheck = z.object({
  id: z.enum(["rate-vs-cfssl", "p99", "cpu-vs-floor", "keyvault-share"]),
  goal: z.string(),
  measured: z.string(),
  status: TargetStatus,
});
export type TargetCheck = z.infer<typeof TargetCheck>;

export const BenchResult = z.object({
  schemaVersion: z.literal(1),
  mode: z.enum(BENCH_MODES),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  machine: z.object({
    cpus: z.number().int().positive(),
    cpuModel: z.string(),
    node: z.string(),
    platform: z.string(),
    /** 1, 5 and 15 minute load averages: other work on the machine shows here. */
    loadAverageBefore: z.array(nonNegative).length(3),
    loadAverageAfter: z.array(nonNegative).length(3),
    cfssl: z.string().nullable(),
  }),
  settings: z.object({
    warmupSeconds: nonNegative,
    durationSeconds: nonNegative,
    maxRequestsPerRun: z.number().int().positive(),
    concurrencies: z.array(z.number().int().positive()),
  }),
  floor: CryptoFloor,
  runs: z.array(RunResult),
  keyVault: KeyVaultResult.nullable(),
  skipped: z.array(z.object({ target: z.enum(ALL_TARGETS), reason: z.string() })),
  targets: z.array(TargetCheck),
});
export type BenchResult = z.infer<typeof BenchResult>;

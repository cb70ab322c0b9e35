import type * as fc from "fast-check";

/**
 * How many runs each property gets, and how to replay a failure. Defaults keep the whole suite well
 * under two minutes on a busy 2-core CI machine; deeper runs are an environment variable away:
 *
 * - `FUZZ_RUNS=<n>`: every property runs n times (whatever its default);
 * - `FUZZ_SCALE=<x>`: every property runs x times its default (`FUZZ_SCALE=20` for a long local run);
 * - `FUZZ_SEED=<seed> FUZZ_PATH=<path>`: replays the failure fast-check reported (its message gives
 *   both); name the one property with `-t`, since a path only means something for its own property.
 */
export interface FuzzSettings {
  runs: number;
  seed: number | undefined;
  path: string | undefined;
}

function numberFrom(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, not '${text}'`);
  return value;
}

function seedFrom(): number | undefined {
  const text = process.env.FUZZ_SEED;
  if (text === undefined || text.trim() === "") return undefined;
  const seed = Number(text);
  // fast-check's seeds are 32-bit integers, negative ones included.
  if (!Number.isInteger(seed)) throw new Error(`FUZZ_SEED must be an integer, not '${text}'`);
  return seed;
}

/** The runs a property with this default gets under the current environment. */
export function fuzzRuns(defaultRuns: number): number {
  const absolute = numberFrom("FUZZ_RUNS");
  if (absolute !== undefined) return Math.ceil(absolute);
  return Math.max(1, Math.ceil(defaultRuns * (numberFrom("FUZZ_SCALE") ?? 1)));
}

/** fast-check's parameters for a property with this default number of runs. */
export function fuzzParameters<T>(defaultRuns: number): fc.Parameters<T> {
  const seed = seedFrom();
  const path = process.env.FUZZ_PATH || undefined;
  return {
    numRuns: fuzzRuns(defaultRuns),
    ...(seed !== undefined && { seed }),
    ...(path !== undefined && { path }),
    // A replay reports the one failing case and stops; shrinking it again would only repeat it.
    ...(path !== undefined && { endOnFailure: true }),
  };
}

/**
 * A test timeout for a property over a real service: a generous allowance per run, so that a slow,
 * shared machine never fails a run that is merely slow (no timing assertions), while a hang still
 * ends the test. Shrinking a failure re-runs the predicate, so there is headroom for that as well.
 */
export function timeoutFor(defaultRuns: number, perRunMs: number): number {
  return 60_000 + fuzzRuns(defaultRuns) * perRunMs * 3;
}

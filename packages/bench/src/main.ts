#!/usr/bin/env node
// `pnpm bench`: issuance throughput of the built service beside cfssl, with the crypto floor and
// the targets of issue 12. A benchmark, never a test: numbers are reported, not asserted.
import { Cleanup } from "./cleanup.js";
import { parseBenchOptions, USAGE } from "./options.js";
import { prepareOutputDirs, renderResult, writeResults } from "./output.js";
import { runBench } from "./run-bench.js";

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
let options: ReturnType<typeof parseBenchOptions>;
try {
  options = parseBenchOptions(args);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
  process.exit(2);
}

const dirs = [options.outDir, ...(options.publishDir === undefined ? [] : [options.publishDir])];
try {
  await prepareOutputDirs(dirs);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}

const cleanup = new Cleanup();
const abandon = async (why: string) => {
  log(`${why}: stopping every server`);
  for (const error of await cleanup.runAll()) log(`cleanup: ${error.message}`);
  process.exit(1);
};
// A hung server must not hang the run: past the deadline everything is stopped and the run fails.
const watchdog = setTimeout(
  () => void abandon(`no result after ${options.deadlineMs / 1000} s`),
  options.deadlineMs,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void abandon(signal));

try {
  const rendered = await renderResult(await runBench(options, cleanup, log));
  // The table first: should writing fail after all, the run's numbers are not lost.
  process.stdout.write(rendered.markdown);
  await writeResults(rendered, dirs);
  log(`written to ${dirs.join(" and ")}`);
} catch (error) {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const error of await cleanup.runAll()) log(`cleanup: ${error.message}`);
  clearTimeout(watchdog);
}

import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*"],
    // Most test files wait on processes they start (the CLI, servers, openssl) far more than they
    // compute, so one file per core runs them faster than Vitest's default of one fewer than the
    // cores, which is a single file at a time on a 2-core machine.
    maxWorkers: availableParallelism(),
    // CI reads its one-line summary from the JSON report (scripts/test-summary.mjs).
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: ".test-output/vitest.json" }]]
      : ["default"],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["packages/*"],
    // CI reads its one-line summary from the JSON report (scripts/test-summary.mjs).
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: ".test-output/vitest.json" }]]
      : ["default"],
  },
});

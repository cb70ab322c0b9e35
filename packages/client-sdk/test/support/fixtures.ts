import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test as base } from "vitest";
import { type RunningCa, startCa } from "./ca-service.js";

/**
 * `ca`: one real CA per test file (starting one costs about a second), rate limits off; `dir`: a
 * fresh temporary folder per test, deleted afterwards.
 */
export const test = base.extend<{ $file: { ca: RunningCa }; $test: { dir: string } }>({
  ca: [
    // biome-ignore lint/correctness/noEmptyPattern: Vitest reads the fixtures a fixture uses from this pattern.
    async ({}, use) => {
      const ca = await startCa({ env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" } });
      await use(ca);
      await ca.dispose();
    },
    { scope: "file" },
  ],
  // biome-ignore lint/correctness/noEmptyPattern: as above.
  dir: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), "edge-pki-sdk-"));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
});

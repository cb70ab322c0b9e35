import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EdgePkiClient } from "@edge-pki/client-sdk";
import { type DpsEmulator, startDpsEmulator } from "@edge-pki/emulators";
import { test as base } from "vitest";
// The real CA as a child process, as the SDK's tests start it (one place for how it is started).
import { type RunningCa, startCa } from "../../../client-sdk/test/support/ca-service.js";

export interface Fixtures {
  ca: RunningCa;
  admin: EdgePkiClient;
  dps: DpsEmulator;
  /** A scratch folder of the file, deleted after it. */
  work: string;
}

/** One CA and one DPS emulator per file; both on 127.0.0.1. */
export const test = base.extend<{ $file: Fixtures }>({
  ca: [
    // biome-ignore lint/correctness/noEmptyPattern: Vitest reads the fixtures a fixture uses from this pattern.
    async ({}, use) => {
      const ca = await startCa({ env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" } });
      await use(ca);
      await ca.dispose();
    },
    { scope: "file" },
  ],
  admin: [
    async ({ ca }, use) => use(new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken })),
    { scope: "file" },
  ],
  dps: [
    // biome-ignore lint/correctness/noEmptyPattern: as above.
    async ({}, use) => {
      const dps = await startDpsEmulator({ retryAfterSeconds: 0, linkedHubs: ["hub-a.azure-devices.net"] });
      await use(dps);
      await dps.stop();
    },
    { scope: "file" },
  ],
  work: [
    // biome-ignore lint/correctness/noEmptyPattern: as above.
    async ({}, use) => {
      const dir = await mkdtemp(join(tmpdir(), "eflow-bootstrap-"));
      await use(dir);
      await rm(dir, { recursive: true, force: true });
    },
    { scope: "file" },
  ],
});

/** Writes a file in the scratch folder and returns its path. */
export async function file(work: string, name: string, content: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, content, { mode: 0o600 });
  return path;
}

import type { IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { countRows } from "./support/database.js";
import { it, test } from "./support/fixtures.js";
import { call, type TestService } from "./support/service.js";

// A long deadline: under the burst below a signature may legitimately wait in line for a while.
test.override("serviceOptions", ({ vault }) => ({
  env: vault.env({ EDGE_PKI_KEYVAULT_SIGN_DEADLINE_MS: "120000", EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" }),
}));

const issue = (service: TestService, deviceId: string) =>
  call<IssuedCredentials>(`${service.url}/v1/credentials`, { token: service.adminToken, body: { deviceId } });

/** Polls readiness until it reports `status` (the probe result is cached for a couple of seconds). */
async function readinessBecomes(service: TestService, status: number): Promise<number> {
  let last = 0;
  for (let attempt = 0; attempt < 40 && last !== status; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
    last = (await call(`${service.url}/readyz`)).status;
  }
  return last;
}

describe("Key Vault throttling and faults", () => {
  it("a burst of 500 issuances against 50 operations per window: all issued and recorded, no 5xx", async ({
    vault,
    service,
  }) => {
    // 50 signatures per 2 s: the first burst alone overruns it, however fast or slow this machine is.
    await vault.emulator.setFaults({ throttle: { operationsPer10Seconds: 50, windowMs: 2_000 } });
    try {
      const before = countRows(service.dataDir, "certificates");
      const throttledBefore = vault.emulator.stats.throttled;
      const latencies: number[] = [];
      const responses = await Promise.all(
        Array.from({ length: 500 }, async (_, i) => {
          const started = performance.now();
          const response = await issue(service, `burst-${i}`);
          latencies.push(performance.now() - started);
          return response;
        }),
      );
      const statuses = responses.map((response) => response.status);
      expect(statuses.filter((status) => status !== 201)).toEqual([]);
      expect(countRows(service.dataDir, "certificates")).toBe(before + 500);
      expect(new Set(responses.map((response) => response.body.serialNumber)).size).toBe(500);
      // The vault did push back, and the service absorbed it.
      expect(vault.emulator.stats.throttled).toBeGreaterThan(throttledBefore);
      // A sanity bound only: well under the signing deadline.
      expect(Math.max(...latencies)).toBeLessThan(120_000);
    } finally {
      await vault.emulator.setFaults({ throttle: null });
    }
  }, 180_000);

  it.for([
    ["503 outage", true],
    ["connection refused", "connection-refused"],
  ] as const)(
    "%s: 503 problem+json with Retry-After, nothing stored, readiness down, then recovery",
    { timeout: 60_000 },
    async ([, outage], { vault, service }) => {
      const before = countRows(service.dataDir, "certificates");
      const auditBefore = countRows(service.dataDir, "audit_log");
      await vault.emulator.setFaults({ faults: { outage } });
      try {
        const failed = await issue(service, "during-outage");
        expect(failed.status).toBe(503);
        expect(failed.headers.get("content-type")).toContain("application/problem+json");
        expect(Number(failed.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(failed.problem).toMatchObject({ status: 503, code: "unavailable" });
        expect(failed.text).not.toMatch(/vault|127\.0\.0\.1|RestError/i);
        expect(countRows(service.dataDir, "certificates")).toBe(before);
        expect(countRows(service.dataDir, "audit_log")).toBe(auditBefore);
        expect(await readinessBecomes(service, 503)).toBe(503);
      } finally {
        await vault.emulator.setFaults({ faults: {} });
      }
      const recovered = await issue(service, "after-outage");
      expect(recovered.status).toBe(201);
      expect(countRows(service.dataDir, "certificates")).toBe(before + 1);
      expect(await readinessBecomes(service, 200)).toBe(200);
    },
  );
});

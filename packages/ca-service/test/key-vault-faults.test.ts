import type { IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { countRows } from "./support/database.js";
import { it, test } from "./support/fixtures.js";
import { call, type TestService } from "./support/service.js";

// A long deadline: under the burst below a signature may legitimately wait in line for a while.
test.override("serviceOptions", ({ vault }) => ({
  env: vault.env({ EDGE_PKI_KEYVAULT_SIGN_DEADLINE_MS: "120000", EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" }),
}));

/** Generous: the service's own signing deadline (above) plus the time to queue behind 500 others. */
const CLIENT_DEADLINE_MS = 180_000;

/** The answer, or a failure once `ms` have passed: the request did not finish in time. */
function withinDeadline<T>(answer: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within the client's deadline of ${ms} ms`)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

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

  it("a burst of 500 issuances against 429s without Retry-After: all issued and recorded, no 5xx, each within the client's deadline", async ({
    vault,
    service,
    annotate,
  }) => {
    // Sign calls (key operations) only: 50 per 2 s, and no Retry-After on the 429s, so the service
    // falls back on its own backoff (1, 2, 4, 8, 16 s) for every one.
    await vault.emulator.setFaults({
      throttle: { limits: { keyOperation: 50 }, windowMs: 2_000, retryAfter: false },
    });
    try {
      const before = countRows(service.dataDir, "certificates");
      const throttledBefore = vault.emulator.stats.throttledByType.keyOperation;
      const latencies: number[] = [];
      const responses = await Promise.all(
        Array.from({ length: 500 }, async (_, i) => {
          const started = performance.now();
          const response = await withinDeadline(issue(service, `bare-429-${i}`), CLIENT_DEADLINE_MS);
          latencies.push(performance.now() - started);
          return response;
        }),
      );
      expect(responses.map((response) => response.status).filter((status) => status !== 201)).toEqual([]);
      expect(countRows(service.dataDir, "certificates")).toBe(before + 500);
      expect(new Set(responses.map((response) => response.body.serialNumber)).size).toBe(500);
      expect(vault.emulator.stats.throttledByType.keyOperation).toBeGreaterThan(throttledBefore);
      // Measured, not asserted (shared machines are noisy): the deadlines above are the bound.
      latencies.sort((a, b) => a - b);
      const at = (share: number) => Math.round(latencies[Math.ceil(share * latencies.length) - 1] ?? 0);
      await annotate(
        `latency ms: p50 ${at(0.5)}, p95 ${at(0.95)}, max ${at(1)}; 429s without Retry-After: ${vault.emulator.stats.throttledByType.keyOperation - throttledBefore}`,
      );
    } finally {
      await vault.emulator.setFaults({ throttle: null });
    }
  }, 240_000);

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

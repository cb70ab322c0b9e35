import { randomUUID } from "node:crypto";
import type { IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { it, test } from "./support/fixtures.js";
import { type Scrape, scrape } from "./support/metrics.js";
import { call, type TestService } from "./support/service.js";

// The throttle of the test below must not outlive it, whether it passed or not.
test.afterEach(async ({ vault }) => {
  await vault.emulator.setFaults({ throttle: null, faults: {} });
});

const moved = (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}) =>
  after.value(name, labels) - before.value(name, labels);

const issueCredentials = (service: TestService, deviceId: string) =>
  call<IssuedCredentials>(`${service.url}/v1/credentials`, {
    token: service.adminToken,
    headers: { "idempotency-key": randomUUID() },
    body: { deviceId },
  });

describe("GET /metrics in Key Vault mode", () => {
  it("reports every sign call, the vault's 429s exactly, and the adaptive limit they lowered", async ({
    vault,
    startService,
  }) => {
    const service = await startService({
      env: vault.env({ EDGE_PKI_KEYVAULT_MAX_CONCURRENT_SIGNS: "8" }),
    });
    const before = await scrape(service.url, service.adminToken);
    const stats = { ...vault.emulator.stats, throttledByType: { ...vault.emulator.stats.throttledByType } };
    // 5 sign calls per 1 s window: 20 issuances at once overrun it, however fast this machine is.
    await vault.emulator.setFaults({ throttle: { limits: { keyOperation: 5 }, windowMs: 1_000 } });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, index) => issueCredentials(service, `kv-metrics-${index}`)),
    );
    expect(answers.map((answer) => answer.status).filter((status) => status !== 201)).toEqual([]);
    await vault.emulator.setFaults({ throttle: null });
    const after = await scrape(service.url, service.adminToken);

    const throttled = vault.emulator.stats.throttledByType.keyOperation - stats.throttledByType.keyOperation;
    expect(throttled).toBeGreaterThan(0);
    expect(moved(before, after, "edge_pki_keyvault_throttled_total")).toBe(throttled);
    const signCalls = (outcome: string) =>
      moved(before, after, "edge_pki_keyvault_sign_duration_seconds_count", { outcome });
    expect(signCalls("throttled")).toBe(throttled);
    expect(signCalls("signed")).toBe(vault.emulator.stats.signs - stats.signs);
    expect(signCalls("signed")).toBe(20);
    expect(moved(before, after, "edge_pki_issuances_total", { profile: "device", outcome: "issued" })).toBe(
      20,
    );
    // Halved by the 429s; 20 successes cannot grow it back from half to its maximum (that takes 22).
    const limit = after.value("edge_pki_keyvault_sign_concurrency_limit");
    expect(limit).toBeGreaterThanOrEqual(1);
    expect(limit).toBeLessThan(8);
    expect(after.types.get("edge_pki_keyvault_sign_concurrency_limit")).toBe("gauge");
  }, 120_000);
});

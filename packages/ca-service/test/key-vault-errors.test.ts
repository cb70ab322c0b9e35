import { describe, expect } from "vitest";
import { countRows } from "./support/database.js";
import { it, test } from "./support/fixtures.js";
import type { TestVault } from "./support/key-vault.js";
import { call, type TestService } from "./support/service.js";

test.override("serviceOptions", ({ vault }) => ({ env: vault.env() }));

// Each test sets the faults it needs; none outlives it.
test.afterEach(async ({ vault }) => {
  await vault.emulator.setFaults({ throttle: null, faults: {} });
});

/** A key store on the service's vault whose probe result is never cached. */
const uncached = (vault: TestVault) => vault.keyStore({ checkCacheMs: 0 });

describe("Key Vault readiness", () => {
  // The probe reads the root key, which the file's service created in the vault when it started.
  it("counts a throttled vault as reachable, and answers within a second", async ({ vault, service: _ }) => {
    const keyStore = uncached(vault);
    await keyStore.check();
    await vault.emulator.setFaults({ throttle: { operationsPer10Seconds: 1, windowMs: 60_000 } });
    await vault.keys.getKey("edge-pki-root"); // the window's one operation
    const throttledBefore = vault.emulator.stats.throttled;
    const started = performance.now();
    await expect(keyStore.check()).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(vault.emulator.stats.throttled).toBe(throttledBefore + 1);
  });

  it.for([
    [
      "a missing role",
      { errorRate: 1, errorStatus: 403 },
      "Key Vault answered 403 (check the role assignment)",
    ],
    ["an outage", { outage: true }, "Key Vault answered 503"],
    ["a refused connection", { outage: "connection-refused" }, "Key Vault unreachable"],
    ["a slow vault", { latencyMs: 2_000 }, "Key Vault timed out (no answer within 800 ms)"],
  ] as const)("says why it is not ready: %s", async ([, faults, reason], { vault }) => {
    await vault.emulator.setFaults({ faults });
    const started = performance.now();
    await expect(uncached(vault).check()).rejects.toThrow(reason);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it("puts the reason into the /readyz problem", async ({ vault, service }) => {
    await vault.emulator.setFaults({ faults: { errorRate: 1, errorStatus: 403 } });
    let response = await call(`${service.url}/readyz`);
    for (let attempt = 0; attempt < 20 && response.status === 200; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 250)); // the last success is cached for 2 s
      response = await call(`${service.url}/readyz`);
    }
    expect(response.status).toBe(503);
    expect(response.body.detail).toBe(
      "not ready: keyStore: Key Vault answered 403 (check the role assignment)",
    );
  });
});

const issue = (service: TestService, deviceId: string) =>
  call(`${service.url}/v1/credentials`, { token: service.adminToken, body: { deviceId } });

describe("Key Vault signing failures, as callers see them", () => {
  it("answers a vault that refuses (403) with 500 and no Retry-After, and records nothing", async ({
    vault,
    service,
  }) => {
    const before = countRows(service.dataDir, "certificates");
    await vault.emulator.setFaults({ faults: { errorRate: 1, errorStatus: 403 } });
    const refused = await issue(service, "refused");
    expect(refused.status).toBe(500);
    expect(refused.headers.get("retry-after")).toBeNull();
    expect(refused.body).toMatchObject({
      status: 500,
      code: "internal",
      detail: "the CA key store refused to sign; the service's Key Vault access needs fixing",
    });
    expect(refused.text).not.toMatch(/127\.0\.0\.1|RestError|Forbidden/);
    expect(countRows(service.dataDir, "certificates")).toBe(before);
  });

  // Last: the vault's 60 s pause holds this service's signers back for the rest of the file.
  it("fails fast when the vault's Retry-After outlasts the signing deadline, and passes the wait on", async ({
    vault,
    service,
  }) => {
    expect((await issue(service, "warm-up")).status).toBe(201);
    await vault.emulator.setFaults({ throttle: { operationsPer10Seconds: 1, windowMs: 60_000 } });
    expect((await issue(service, "last-in-window")).status).toBe(201);
    const before = countRows(service.dataDir, "certificates");
    const started = performance.now();
    const throttled = await issue(service, "throttled");
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(throttled.status).toBe(503);
    expect(throttled.body).toMatchObject({ status: 503, code: "unavailable" });
    const retryAfter = Number(throttled.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(50);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(countRows(service.dataDir, "certificates")).toBe(before);
  });
});

import { describe, expect } from "vitest";
import { pinnedClock } from "./support/clock.js";
import { it } from "./support/fixtures.js";
import { call, type TestService } from "./support/service.js";

/** A pinned clock: buckets never refill during a test, so counts are exact. */
const frozen = pinnedClock(new Date("2030-01-01T00:00:00Z"));

/** A protected request that needs no body. */
const probeAudit = (service: TestService, token: string) =>
  call(`${service.url}/v1/audit?limit=1`, { token });

// Each test starts a service of its own: its budgets, its settings, spent by that test alone.
describe("rate limits", () => {
  it("per client identity: the request over budget gets 429 problem+json with Retry-After", async ({
    startService,
  }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "3" } });
    const reader = await service.token(["reader"], { subject: "busy-reader" });
    const probe = (token: string) => probeAudit(service, token);
    for (let i = 0; i < 3; i += 1) expect((await probe(reader)).status).toBe(200);
    const limited = await probe(reader);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("content-type")).toContain("application/problem+json");
    expect(limited.headers.get("retry-after")).toBe("20");
    expect(limited.body).toMatchObject({
      code: "rate_limited",
      detail: "too many requests from this client; retry after 20 s",
    });
    // Another identity from the same address has its own budget.
    expect((await probe(service.adminToken)).status).toBe(200);
  });

  it("0 turns rate limiting off", async ({ startService }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" } });
    for (let i = 0; i < 50; i += 1) expect((await call(`${service.url}/healthz`)).status).toBe(200);
  });

  it("failed authentications have a stricter budget per address, which then blocks further failures only", async ({
    startService,
  }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "2" } });
    const probe = (token: string) => probeAudit(service, token);
    expect((await probe("guess-1")).status).toBe(401);
    expect((await probe("guess-2")).status).toBe(401);
    const blocked = await probe("guess-3");
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("retry-after")).toBe("30");
    expect(blocked.body.detail).toBe("too many failed authentications from this address; retry after 30 s");
    // A valid token from the same address is never refused for the failures before it.
    expect((await probe(service.adminToken)).status).toBe(200);
    expect((await probe("guess-4")).status).toBe(429);
    // Over the budget, failures are not audited either: the log cannot be flooded.
    const failures = (await service.context.store.listAudit({ limit: 1000 })).filter(
      (event) => event.action === "auth.failure",
    );
    expect(failures).toHaveLength(2);
    // Public material stays reachable.
    expect((await call(`${service.url}/v1/ca`)).status).toBe(200);
  });

  it("health probes are never rate-limited; public material has its own per-address budget", async ({
    startService,
  }) => {
    const service = await startService({
      clock: frozen,
      env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "1", EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE: "2" },
    });
    for (let i = 0; i < 20; i += 1) {
      expect((await call(`${service.url}/healthz`)).status).toBe(200);
      expect((await call(`${service.url}/readyz`)).status).toBe(200);
    }
    expect((await call(`${service.url}/v1/ca`)).status).toBe(200);
    expect((await call(`${service.url}/.well-known/jwks.json`)).status).toBe(200);
    const limited = await call(`${service.url}/v1/crl`);
    expect(limited.status).toBe(429);
    expect(limited.body.detail).toBe("too many requests from this address; retry after 30 s");
    // The address's public budget is not the callers' budget.
    expect((await call(`${service.url}/v1/audit?limit=1`, { token: service.adminToken })).status).toBe(200);
  });
});

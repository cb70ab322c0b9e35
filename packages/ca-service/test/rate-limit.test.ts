import type { ApiTokenList, BootstrapToken } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { pinnedClock } from "./support/clock.js";
import { it } from "./support/fixtures.js";
import { call, type TestService } from "./support/service.js";

/** A pinned clock: buckets never refill during a test, so counts are exact. */
const frozen = pinnedClock(new Date("2030-01-01T00:00:00Z"));

/** A protected request that needs no body. */
const probeAudit = (service: TestService, token: string) =>
  call(`${service.url}/v1/audit?limit=1`, { token });

/** `count` probes, `atOnce` at a time: their statuses, in order. */
async function probeStatuses(service: TestService, token: string, count: number, atOnce = 25) {
  const statuses: number[] = [];
  for (let sent = 0; sent < count; sent += atOnce) {
    const batch = Array.from({ length: Math.min(atOnce, count - sent) }, () => probeAudit(service, token));
    statuses.push(...(await Promise.all(batch)).map((answer) => answer.status));
  }
  return statuses;
}

/** A one-time token for `deviceId`, minted by the admin. */
async function bootstrapToken(service: TestService, deviceId: string): Promise<string> {
  const minted = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
    token: service.adminToken,
    body: { deviceId },
  });
  expect(minted.status).toBe(201);
  return minted.body.token;
}

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

  it("by default a caller with a token is not limited: 1,000 requests in one minute, none refused", async ({
    startService,
  }) => {
    // Over the old default of 600 per minute, which capped a factory line at 10 certificates a second.
    const service = await startService({ clock: frozen });
    const line = await service.token(["reader"], { subject: "line7-reader" });
    const statuses = await probeStatuses(service, line, 1_000);
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
  });

  it("a token minted with a rate limit of its own keeps to it, the default being off; other tokens are not affected", async ({
    startService,
  }) => {
    const service = await startService({ clock: frozen });
    const capped = await service.token(["reader"], { subject: "capped-line", rateLimitPerMinute: 5 });
    expect(decodeJwt(capped).rate_limit_per_minute).toBe(5);
    const statuses = await probeStatuses(service, capped, 8, 1);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429]);
    const limited = await probeAudit(service, capped);
    // 5 per minute refill one every 12 s.
    expect(limited.headers.get("retry-after")).toBe("12");
    expect(limited.body).toMatchObject({
      code: "rate_limited",
      detail: "too many requests from this client; retry after 12 s",
    });
    expect((await probeStatuses(service, service.adminToken, 50)).every((status) => status === 200)).toBe(
      true,
    );
    // The registry shows what each token was minted with.
    const listed = await call<ApiTokenList>(`${service.url}/v1/tokens?limit=100`, {
      token: service.adminToken,
    });
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ subject: "capped-line", rateLimitPerMinute: 5 }),
    );
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ subject: "local-admin", rateLimitPerMinute: null }),
    );
  });

  it("a token's own limit replaces the default, above it as well as below it", async ({ startService }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "2" } });
    const bulk = await service.token(["reader"], { subject: "bulk-line", rateLimitPerMinute: 4 });
    expect(await probeStatuses(service, bulk, 5, 1)).toEqual([200, 200, 200, 200, 429]);
    const plain = await service.token(["reader"], { subject: "plain-line" });
    expect(await probeStatuses(service, plain, 3, 1)).toEqual([200, 200, 429]);
  });

  it("devices keep a small budget of their own, per device: 429 before the body is read", async ({
    startService,
  }) => {
    const service = await startService({
      clock: frozen,
      env: { EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE: "2" },
    });
    const redeem = async (deviceId: string) =>
      (
        await call(`${service.url}/v1/certificates`, {
          token: await bootstrapToken(service, deviceId),
          body: { csr: "not a CSR" },
        })
      ).status;
    // Each token is new (never used: the bad CSR is refused before it is redeemed), the device the same.
    expect([await redeem("dev-a"), await redeem("dev-a"), await redeem("dev-a")]).toEqual([400, 400, 429]);
    expect(await redeem("dev-b")).toBe(400);
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

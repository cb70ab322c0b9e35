import type { ApiToken, BootstrapToken, IssuedCredentials } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { redeemAtOnce } from "./support/bootstrap-tokens.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

/**
 * Three replicas sharing one PostgreSQL store and one data folder (the local CA keys): `service`, in
 * this process, and `replicas`, two `edge-pki-ca start` processes. Requests go to each in turn, as a
 * load balancer sends them.
 */
test.override("serviceOptions", ({ postgres }) => ({ env: postgres.env }));

describe("bootstrap tokens across three replicas sharing PostgreSQL", () => {
  it("a token redeemed on one replica is refused on every other", async ({ service, replicas, dataDir }) => {
    const minted = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "pg-once" },
      token: service.adminToken,
    });
    expect(minted.status).toBe(201);
    const { csrPem } = await opensslCsr(dataDir, "/CN=pg-once");
    const here = await call(`${service.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: minted.body.token,
    });
    expect(here.status).toBe(201);
    for (const replica of replicas) {
      const there = await call(`${replica.url}/v1/certificates`, {
        body: { csr: csrPem },
        token: minted.body.token,
      });
      expect({ status: there.status, detail: there.body.detail }).toEqual({
        status: 401,
        detail: "token already used",
      });
    }
  });

  it("30 parallel redemptions split over the three: exactly one 201", async ({
    service,
    replicas,
    dataDir,
  }) => {
    const minted = await call<BootstrapToken>(`${replicas[0]?.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "pg-race" },
      token: service.adminToken,
    });
    expect(minted.status).toBe(201);
    const { csrPem } = await opensslCsr(dataDir, "/CN=pg-race");
    const responses = await redeemAtOnce([service, ...replicas], minted.body.token, csrPem, 30);
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(29).fill(401)]);
    expect(await service.context.store.listByDevice("pg-race", { limit: 100 })).toHaveLength(1);
  });
});

describe("idempotency and serial numbers across three replicas sharing PostgreSQL", () => {
  it("concurrent retries with one Idempotency-Key on every replica issue once and replay the same serial", async ({
    service,
    replicas,
  }) => {
    const targets = [service, ...replicas];
    const headers = { "idempotency-key": "pg-line-retry-1" };
    const responses = await Promise.all(
      Array.from({ length: 9 }, (_, index) =>
        call<IssuedCredentials>(`${targets[index % targets.length]?.url}/v1/credentials`, {
          body: { deviceId: "pg-idem" },
          token: service.adminToken,
          headers,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(8).fill(409)]);
    const serial = responses.find((response) => response.status === 201)?.body.serialNumber;
    for (const replay of responses.filter((response) => response.status === 409)) {
      expect(replay.problem.detail).toContain(`serial number ${serial}`);
    }
    expect(await service.context.store.listByDevice("pg-idem", { limit: 100 })).toHaveLength(1);
  });

  it("certificates issued at once on every replica all get serial numbers of their own, all on record", async ({
    service,
    replicas,
  }) => {
    const targets = [service, ...replicas];
    const deviceIds = Array.from({ length: 30 }, (_, index) => `pg-serial-${index}`);
    const responses = await Promise.all(
      deviceIds.map((deviceId, index) =>
        call<IssuedCredentials>(`${targets[index % targets.length]?.url}/v1/credentials`, {
          body: { deviceId },
          token: service.adminToken,
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(deviceIds.map(() => 201));
    const serials = responses.map((response) => response.body.serialNumber);
    expect(new Set(serials).size).toBe(serials.length);
    for (const [index, deviceId] of deviceIds.entries()) {
      const stored = await service.context.store.listByDevice(deviceId, { limit: 10 });
      expect(stored.map((record) => record.serialNumber)).toEqual([serials[index]]);
    }
  });
});

describe("API token revocation across three replicas sharing PostgreSQL", () => {
  it("a token revoked on one replica is refused on every other once its list is refreshed", async ({
    service,
    replicas,
  }) => {
    const token = await service.token(["reader"], { subject: "pg-leaked-reader" });
    const readAudit = (url: string) => call(`${url}/v1/audit?limit=1`, { token });
    for (const target of [service, ...replicas]) expect((await readAudit(target.url)).status).toBe(200);

    const revoked = await call<ApiToken>(`${replicas[1]?.url}/v1/tokens/${decodeJwt(token).jti}/revoke`, {
      method: "POST",
      token: service.adminToken,
    });
    expect(revoked.status).toBe(200);
    // The replica that revoked it refuses it at once; the others re-read their list when it is two
    // seconds old (by the system clock: these processes cannot share a test's clock). Bounded wait.
    expect((await readAudit(replicas[1]?.url as string)).status).toBe(401);
    for (const target of [service, replicas[0]]) {
      await expect
        .poll(async () => (await readAudit(target?.url as string)).status, { timeout: 15_000, interval: 250 })
        .toBe(401);
    }
  });
});

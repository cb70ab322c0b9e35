import type { BootstrapToken, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { redeemAtOnce } from "./support/bootstrap-tokens.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

/** Two replicas of the service sharing one PostgreSQL store (and one data folder for the CA keys). */
test.override("serviceOptions", ({ postgres }) => ({ env: postgres.env }));

describe("bootstrap tokens across replicas sharing PostgreSQL", () => {
  it("a token redeemed on one replica is refused on the other", async ({ service, replica, dataDir }) => {
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
    const there = await call(`${replica.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: minted.body.token,
    });
    expect(there.status).toBe(401);
    expect(there.body.detail).toBe("token already used");
  });

  it("20 parallel redemptions split over both replicas: exactly one 201", async ({
    service,
    replica,
    dataDir,
  }) => {
    const minted = await call<BootstrapToken>(`${replica.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "pg-race" },
      token: service.adminToken,
    });
    const { csrPem } = await opensslCsr(dataDir, "/CN=pg-race");
    const responses = await redeemAtOnce([service, replica], minted.body.token, csrPem, 20);
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(19).fill(401)]);
    expect(await service.context.store.listByDevice("pg-race", { limit: 100 })).toHaveLength(1);
  });

  it("concurrent retries with one Idempotency-Key on both replicas issue once and replay the same serial", async ({
    service,
    replica,
  }) => {
    const headers = { "idempotency-key": "pg-line-retry-1" };
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        call<IssuedCredentials>(`${(index % 2 === 0 ? service : replica).url}/v1/credentials`, {
          body: { deviceId: "pg-idem" },
          token: service.adminToken,
          headers,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const serial = responses.find((response) => response.status === 201)?.body.serialNumber;
    for (const replay of responses.filter((response) => response.status === 409)) {
      expect(replay.problem.detail).toContain(`serial number ${serial}`);
    }
    expect(await service.context.store.listByDevice("pg-idem", { limit: 100 })).toHaveLength(1);
  });
});

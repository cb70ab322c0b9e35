import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { opensslCsr, type TempDir, tempDir } from "./support/openssl.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "./support/postgres.js";
import { call, startTestService, type TestService } from "./support/service.js";

/** Two replicas of the service sharing one PostgreSQL store (and one data folder for the CA keys). */
let database: ThrowawayDatabase;
let first: TestService;
let second: TestService;
let dir: TempDir;

beforeAll(async () => {
  database = await createThrowawayDatabase();
  const env = { EDGE_PKI_STORE: "postgres", EDGE_PKI_DATABASE_URL: database.url };
  first = await startTestService({ env });
  second = await startTestService({ env, dataDir: first.dataDir });
  dir = await tempDir();
});

afterAll(async () => {
  await second?.stop();
  await first?.dispose();
  await database?.drop();
  await dir?.remove();
});

describe("bootstrap tokens across replicas sharing PostgreSQL", () => {
  it("a token redeemed on one replica is refused on the other", async () => {
    const minted = await call(`${first.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "pg-once" },
      token: first.adminToken,
    });
    expect(minted.status).toBe(201);
    const { csrPem } = await opensslCsr(dir, "/CN=pg-once");
    const here = await call(`${first.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: minted.body.token,
    });
    expect(here.status).toBe(201);
    const there = await call(`${second.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: minted.body.token,
    });
    expect(there.status).toBe(401);
    expect(there.body.detail).toBe("token already used");
  });

  it("20 parallel redemptions split over both replicas: exactly one 201", async () => {
    const minted = await call(`${second.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "pg-race" },
      token: first.adminToken,
    });
    const { csrPem } = await opensslCsr(dir, "/CN=pg-race");
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        call(`${(index % 2 === 0 ? first : second).url}/v1/certificates`, {
          body: { csr: csrPem },
          token: minted.body.token,
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(19).fill(401)]);
    expect(await first.context.store.listByDevice("pg-race", { limit: 100 })).toHaveLength(1);
  });

  it("concurrent retries with one Idempotency-Key on both replicas issue once and replay the same serial", async () => {
    const headers = { "idempotency-key": "pg-line-retry-1" };
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        call(`${(index % 2 === 0 ? first : second).url}/v1/credentials`, {
          body: { deviceId: "pg-idem" },
          token: first.adminToken,
          headers,
        }),
      ),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const serial = responses.find((response) => response.status === 201)?.body.serialNumber;
    for (const replay of responses.filter((response) => response.status === 409)) {
      expect(replay.body.detail).toContain(`serial number ${serial}`);
    }
    expect(await first.context.store.listByDevice("pg-idem", { limit: 100 })).toHaveLength(1);
  });
});

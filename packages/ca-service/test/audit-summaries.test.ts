import { join } from "node:path";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { openSqliteStore } from "../src/adapters/store/open-store.js";
import type { AuditRecord } from "../src/ports/certificate-store.js";
import { pinnedClock } from "./support/clock.js";
import { it } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

/** A pinned clock: every request of a test falls in one minute. */
const frozen = pinnedClock();

/** The audit log as stored once the service has stopped (which writes the open summaries). */
async function auditAfterStop(target: TestService): Promise<AuditRecord[]> {
  await target.stop();
  const store = await openSqliteStore(join(target.dataDir, "edge-pki.sqlite"));
  try {
    return await store.listAudit({ limit: 100_000 });
  } finally {
    await store.close();
  }
}

const ofAction = (entries: AuditRecord[], action: string) =>
  entries.filter((entry) => entry.action === action);

// Each test starts a service of its own, and stops it to read what the summaries wrote.
describe("events a client can cause in bulk are audited, summarised per caller and minute", () => {
  it("refused revocations (404 and 409): the first as it happens, the rest of the minute as one entry", async ({
    startService,
  }) => {
    const service = await startService({ clock: frozen });
    const revoke = (serial: string) =>
      call(`${service.url}/v1/certificates/${serial}/revoke`, {
        token: service.adminToken,
        body: { reason: "keyCompromise" },
      });
    for (let i = 0; i < 40; i += 1)
      expect((await revoke(`0a${i.toString(16).padStart(4, "0")}`)).status).toBe(404);
    // The first is on record at once.
    expect(ofAction(await service.context.store.listAudit({ limit: 10_000 }), "certificate.revoke")).toEqual([
      expect.objectContaining({
        actor: "token:local-admin",
        target: "0a0000",
        outcome: "failure",
        details: { code: "not_found", reason: "no certificate has serial number 0a0000" },
      }),
    ]);
    const entries = ofAction(await auditAfterStop(service), "certificate.revoke");
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({
      actor: "token:local-admin",
      target: null,
      outcome: "failure",
      details: {
        repeated: 39,
        from: frozen.at.toISOString(),
        to: frozen.at.toISOString(),
        targets: ["0a0001", "0a0002", "0a0003", "0a0004", "0a0005"],
      },
    });
  });

  it("rate-limit refusals, by the caller that was refused", async ({ startService }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "2" } });
    const reader = await service.token(["reader"], { subject: "flooding-reader" });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      statuses.push((await call(`${service.url}/v1/audit?limit=1`, { token: reader })).status);
    }
    expect(statuses.filter((status) => status === 429)).toHaveLength(28);
    const entries = ofAction(await auditAfterStop(service), "rate_limit.refused");
    expect(entries).toEqual([
      expect.objectContaining({
        actor: "token:flooding-reader",
        target: "GET /v1/audit",
        details: { reason: expect.stringMatching(/^too many requests from this client/) },
      }),
      expect.objectContaining({
        actor: "token:flooding-reader",
        details: expect.objectContaining({ repeated: 27 }),
      }),
    ]);
  });

  it("idempotent replays, and failed authentications over the budget", async ({ startService, dataDir }) => {
    const service = await startService({ clock: frozen, env: { EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "2" } });
    const { csrPem } = await opensslCsr(dataDir, "/CN=replayed-often");
    const issue = () =>
      call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        headers: { "idempotency-key": "replayed-often-1" },
        body: { csr: csrPem },
      });
    expect((await issue()).status).toBe(201);
    for (let i = 0; i < 20; i += 1) expect((await issue()).status).toBe(201);
    for (let i = 0; i < 12; i += 1) await call(`${service.url}/v1/audit`, { token: `guess-${i}` });
    const entries = await auditAfterStop(service);
    expect(ofAction(entries, "idempotency.replay")).toEqual([
      expect.objectContaining({
        actor: "token:local-admin",
        target: "issueCertificate",
        outcome: "success",
        details: { idempotencyKey: "replayed-often-1" },
      }),
      expect.objectContaining({
        details: expect.objectContaining({ repeated: 19, targets: ["issueCertificate"] }),
      }),
    ]);
    // Two failures audited one by one; the ten over the budget as two entries.
    expect(ofAction(entries, "auth.failure")).toHaveLength(2);
    expect(ofAction(entries, "rate_limit.refused")).toEqual([
      expect.objectContaining({
        actor: "anonymous@127.0.0.1",
        details: { reason: expect.stringMatching(/^too many failed authentications/) },
      }),
      expect.objectContaining({
        actor: "anonymous@127.0.0.1",
        details: expect.objectContaining({ repeated: 9 }),
      }),
    ]);
  });
});

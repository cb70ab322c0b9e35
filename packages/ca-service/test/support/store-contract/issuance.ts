import { describe, expect } from "vitest";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneWinner, summary } from "./one-winner.js";
import {
  certificate,
  consumedToken,
  idempotencyRecord,
  issuance,
  issuanceAttempts,
  issuanceAudit,
  traces,
} from "./records.js";

const CA_CERTIFICATE_RACE = `${RACERS} replicas recording one CA certificate at once: every start succeeds, one record`;
/**
 * Rounds of that race, a bound: a round meets PostgreSQL's race window only now and then (in six
 * runs here, within 2 to 10 rounds), and one that passes proves little.
 */
const CA_CERTIFICATE_ROUNDS = 200;

/** Recording issued certificates: what is written together, read back, and never twice. */
export function issuanceRules(it: ContractTest): void {
  describe("issuance: recorded with its audit entry, read back exactly", () => {
    it("records a certificate with its audit entry and reads it back exactly", async ({ store }) => {
      const record = certificate("device-a");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      expect(await store.findBySerialNumber(record.serialNumber)).toEqual(record);
      expect(await store.findBySerialNumber("00")).toBeUndefined();
      const audit = await store.listAudit({ limit: 10 });
      expect(audit.at(-1)).toMatchObject({
        action: "certificate.issue",
        target: "device-a",
        outcome: "success",
      });
      expect(audit.at(-1)?.details).toEqual({ serialNumber: record.serialNumber });
    });

    it("lists a device's certificates newest first, limited, and pages the audit log", async ({ store }) => {
      const records = [0, 1, 2].map((i) =>
        certificate("device-c", { issuedAt: new Date(Date.UTC(2026, 0, 1 + i)) }),
      );
      for (const record of records)
        await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      const listed = await store.listByDevice("device-c", { limit: 10 });
      expect(listed.map((r) => r.serialNumber)).toEqual(records.map((r) => r.serialNumber).reverse());
      expect(await store.listByDevice("device-c", { limit: 2 })).toHaveLength(2);
      const first = await store.listAudit({ limit: 2 });
      const rest = await store.listAudit({ limit: 100, afterId: first.at(-1)?.id ?? 0 });
      expect(first.length + rest.length).toBe((await store.listAudit({ limit: 100 })).length);
      expect(rest.every((entry) => entry.id > (first.at(-1)?.id ?? 0))).toBe(true);
    });
  });

  describe("rule: a failed transaction writes nothing", () => {
    it("an issuance failing on its certificate rolls back its token, idempotency record, supersession and audit entry", async ({
      store,
    }) => {
      const renewed = certificate("device-rollback");
      await store.recordIssuance({ certificate: renewed, audit: issuanceAudit(renewed) });
      const auditBefore = (await store.listAudit({ limit: 100_000 })).length;
      // Everything else it carries is new; its serial is taken, so the certificate insert (which
      // comes after the token, the idempotency record and the supersession) fails.
      const failing = {
        certificate: certificate("device-rollback", { serialNumber: renewed.serialNumber }),
        audit: issuanceAudit(renewed, { attempt: "rolled back" }),
        consumeToken: consumedToken("token-of-a-failed-issuance"),
        idempotency: idempotencyRecord("caller", "key-of-a-failed-issuance"),
        supersedes: renewed.serialNumber,
      };
      await expect(
        store.recordIssuance(failing),
        "an issuance with a taken serial must fail",
      ).rejects.toThrow();
      expect(
        await traces(store, failing),
        "a failed transaction writes nothing: its token, idempotency record and supersession roll back",
      ).toEqual([]);
      expect(await store.isTokenUsed("token-of-a-failed-issuance")).toBe(false);
      expect(await store.findIdempotencyRecord("caller", "key-of-a-failed-issuance")).toBeUndefined();
      expect((await store.findBySerialNumber(renewed.serialNumber))?.supersededBy).toBeNull();
      expect((await store.listAudit({ limit: 100_000 })).length).toBe(auditBefore);
      expect(await store.findBySerialNumber(renewed.serialNumber)).toEqual(renewed);
    });

    it("an issuance failing on its last write (the audit entry) rolls back all it wrote, whatever it carries", async ({
      store,
    }) => {
      const renewed = certificate("device-rollback-late");
      await store.recordIssuance({ certificate: renewed, audit: issuanceAudit(renewed) });
      const full = issuance({ supersedes: renewed.serialNumber }).request;
      const { consumeToken: _token, idempotency: _key, supersedes: _renewal, ...plain } = issuance().request;
      // Every shape an issuance comes in: a store may well treat the plain one differently.
      const shapes = {
        plain,
        "with an idempotency key": { ...plain, idempotency: issuance().request.idempotency },
        "redeeming a token": { ...plain, consumeToken: issuance().request.consumeToken },
        "renewing, with a token and a key": full,
      };
      for (const [shape, request] of Object.entries(shapes)) {
        // An audit time that cannot be stored: the one write that fails is the last.
        const failing = {
          ...request,
          certificate: certificate(`device-${shape}`),
          audit: { ...request.audit, at: new Date(Number.NaN) },
        };
        await expect(store.recordIssuance(failing), `an issuance ${shape} must fail`).rejects.toThrow();
        expect(
          await traces(store, failing),
          `a failed transaction writes nothing: an issuance ${shape} left something behind`,
        ).toEqual([]);
      }
      expect(await store.findBySerialNumber(renewed.serialNumber)).toEqual(renewed);
    });
  });

  describe("rule: serial numbers are unique", () => {
    it("enforces unique serial numbers and writes nothing of a failed issuance", async ({ store }) => {
      const record = certificate("device-b");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      const auditBefore = (await store.listAudit({ limit: 1000 })).length;
      const duplicate = certificate("device-b", { serialNumber: record.serialNumber });
      await expect(
        store.recordIssuance({ certificate: duplicate, audit: issuanceAudit(duplicate) }),
        "serial numbers are unique: a second issuance with a known serial must fail",
      ).rejects.toThrow();
      expect((await store.listAudit({ limit: 1000 })).length).toBe(auditBefore);
      expect(await store.findBySerialNumber(record.serialNumber)).toEqual(record);
    });

    it("across CA and device certificates: neither kind takes the other's serial", async ({ store }) => {
      const root = certificate("unused", { deviceId: null, profile: "root", requester: "edge-pki-ca" });
      await store.recordCaCertificate(root);
      const device = certificate("device-d", { serialNumber: root.serialNumber });
      await expect(
        store.recordIssuance({ certificate: device, audit: issuanceAudit(device) }),
        "serial numbers are unique: an issuance may not take a CA certificate's serial",
      ).rejects.toThrow();
      expect(await traces(store, { certificate: device, audit: issuanceAudit(device) })).toEqual([]);
      const issued = certificate("device-e");
      await store.recordIssuance({ certificate: issued, audit: issuanceAudit(issued) });
      await store.recordCaCertificate({ ...root, serialNumber: issued.serialNumber });
      expect(
        await store.findBySerialNumber(issued.serialNumber),
        "serial numbers are unique: a CA certificate offered under a known serial leaves the record alone",
      ).toEqual(issued);
      expect(await store.findBySerialNumber(root.serialNumber)).toEqual(root);
    });

    it("records a CA certificate once, however often it is offered", async ({ store }) => {
      const root = { ...certificate("unused"), deviceId: null, profile: "root" as const };
      await store.recordCaCertificate(root);
      await store.recordCaCertificate({ ...root, requester: "a second start" });
      expect(await store.findBySerialNumber(root.serialNumber)).toEqual(root);
    });

    it("lists the certificates of one profile, newest first", async ({ store }) => {
      const older = certificate("unused", {
        deviceId: null,
        profile: "root",
        issuedAt: new Date("2026-01-01T00:00:00Z"),
      });
      const newer = certificate("unused", {
        deviceId: null,
        profile: "root",
        issuedAt: new Date("2026-02-01T00:00:00Z"),
      });
      expect(await store.listByProfile("root", { limit: 10 })).toEqual([]);
      await store.recordCaCertificate(older);
      await store.recordCaCertificate(newer);
      const device = certificate("device-f");
      await store.recordIssuance({ certificate: device, audit: issuanceAudit(device) });
      expect(await store.listByProfile("root", { limit: 10 })).toEqual([newer, older]);
      expect(await store.listByProfile("root", { limit: 1 })).toEqual([newer]);
      expect(await store.listByProfile("intermediate", { limit: 10 })).toEqual([]);
    });

    it(`${RACERS} concurrent issuances under one serial number: one commits, the others write nothing`, async ({
      store,
      race,
    }) => {
      const attempts = issuanceAttempts(RACERS, { serialNumber: certificate("any").serialNumber });
      const outcomes = await race(
        "recordIssuance",
        attempts.map((attempt) => [attempt.request]),
      );
      const winner = await expectOneWinner("serial numbers are unique", store, attempts, outcomes);
      expect(await store.findBySerialNumber(winner.request.certificate.serialNumber)).toEqual(
        winner.request.certificate,
      );
    });

    it(CA_CERTIFICATE_RACE, async ({ store, race }) => {
      // What replicas starting together on a fresh store do: each records the CA's certificates. The
      // window is narrow, so the race is run again with a new certificate, up to a bound.
      for (let round = 1; round <= CA_CERTIFICATE_ROUNDS; round++) {
        const root = certificate("unused", { deviceId: null, profile: "root", requester: "edge-pki-ca" });
        const outcomes = await race(
          "recordCaCertificate",
          Array.from({ length: RACERS }, () => [root]),
        );
        expect(
          outcomes.filter((outcome) => !outcome.ok),
          `serial numbers are unique: offering a known CA certificate is not an error, even at once (round ${round}: ${summary(outcomes)})`,
        ).toEqual([]);
        expect(await store.findBySerialNumber(root.serialNumber)).toEqual(root);
      }
    });
  });
}

import { randomBytes, randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { openPostgresStore, openSqliteStore } from "../src/adapters/store/open-store.js";
import type { CertificateRecord, CertificateStore } from "../src/ports/certificate-store.js";
import { test } from "./support/fixtures.js";

type StoreTest = (name: string, body: (store: CertificateStore) => Promise<void>) => void;

/** One contract, run against every CertificateStore implementation. */
function certificateStoreContract(name: string, it: StoreTest) {
  describe(`CertificateStore contract: ${name}`, () => {
    it("records a certificate with its audit entry and reads it back exactly", async (store) => {
      const record = sampleRecord("device-a");
      await store.recordIssuance({ certificate: record, audit: sampleAudit(record) });
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

    it("enforces unique serial numbers and writes nothing of a failed issuance", async (store) => {
      const record = sampleRecord("device-b");
      await store.recordIssuance({ certificate: record, audit: sampleAudit(record) });
      const auditBefore = (await store.listAudit({ limit: 1000 })).length;
      const duplicate = { ...sampleRecord("device-b"), serialNumber: record.serialNumber };
      await expect(
        store.recordIssuance({ certificate: duplicate, audit: sampleAudit(duplicate) }),
      ).rejects.toThrow();
      expect((await store.listAudit({ limit: 1000 })).length).toBe(auditBefore);
      expect(await store.findBySerialNumber(record.serialNumber)).toEqual(record);
    });

    it("lists a device's certificates newest first, limited, and pages the audit log", async (store) => {
      const records = [0, 1, 2].map((i) => ({
        ...sampleRecord("device-c"),
        issuedAt: new Date(Date.UTC(2026, 0, 1 + i)),
      }));
      for (const record of records)
        await store.recordIssuance({ certificate: record, audit: sampleAudit(record) });
      const listed = await store.listByDevice("device-c", { limit: 10 });
      expect(listed.map((r) => r.serialNumber)).toEqual(records.map((r) => r.serialNumber).reverse());
      expect(await store.listByDevice("device-c", { limit: 2 })).toHaveLength(2);
      const first = await store.listAudit({ limit: 2 });
      const rest = await store.listAudit({ limit: 100, afterId: first.at(-1)?.id ?? 0 });
      expect(first.length + rest.length).toBe((await store.listAudit({ limit: 100 })).length);
      expect(rest.every((entry) => entry.id > (first.at(-1)?.id ?? 0))).toBe(true);
    });

    it("records a CA certificate once, however often it is offered", async (store) => {
      const root = { ...sampleRecord("unused"), deviceId: null, profile: "root" as const };
      await store.recordCaCertificate(root);
      await store.recordCaCertificate({ ...root, requester: "a second start" });
      expect(await store.findBySerialNumber(root.serialNumber)).toEqual(root);
    });

    it("answers its readiness check", async (store) => {
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}

function sampleRecord(deviceId: string): CertificateRecord {
  const serialNumber = randomBytes(16).toString("hex");
  return {
    serialNumber,
    deviceId,
    profile: "device",
    subject: `CN=${deviceId}`,
    keyAlgorithm: "ECDSA_P256",
    notBefore: new Date("2026-01-01T00:00:00.000Z"),
    notAfter: new Date("2027-01-01T00:00:00.000Z"),
    status: "valid",
    revokedAt: null,
    revocationReason: null,
    der: new Uint8Array(randomBytes(300)),
    sha256Fingerprint: randomBytes(32).toString("hex"),
    issuedAt: new Date("2026-01-01T00:05:00.000Z"),
    requester: "test",
    supersededBy: null,
  };
}

function sampleAudit(record: CertificateRecord) {
  return {
    at: record.issuedAt,
    actor: "test",
    action: "certificate.issue",
    target: record.deviceId,
    outcome: "success" as const,
    details: { serialNumber: record.serialNumber },
  };
}

// Each test gets a database of its own: a SQLite file, or a throwaway PostgreSQL database.
const sqlite = test.extend("store", async ({ dataDir }, { onCleanup }) => {
  const store = await openSqliteStore(join(dataDir.path, `${randomUUID()}.sqlite`));
  onCleanup(() => store.close());
  return store;
});

const postgres = test.extend("store", async ({ postgresServer }, { onCleanup }) => {
  const database = await postgresServer.createDatabase();
  const store = await openPostgresStore(database.url);
  onCleanup(async () => {
    await store.close();
    await database.drop();
  });
  return store;
});

certificateStoreContract("SQLite", (name, body) => sqlite(name, ({ store }) => body(store)));
certificateStoreContract("PostgreSQL", (name, body) => postgres(name, ({ store }) => body(store)));

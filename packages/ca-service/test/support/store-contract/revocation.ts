import { describe, expect } from "vitest";
import type { AuditEvent, CertificateRecord, RevokeRequest } from "../../../src/ports/certificate-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { summary } from "./one-winner.js";
import { certificate, issuanceAudit, sameEvent } from "./records.js";

const RULE = "a revocation changes a certificate once";

const REVOKED_AT = new Date("2026-02-01T00:00:00.000Z");

function revocation(record: CertificateRecord, reason: string, marker = reason): RevokeRequest {
  const audit: AuditEvent = {
    at: REVOKED_AT,
    actor: "test",
    action: "certificate.revoke",
    target: record.serialNumber,
    outcome: "success",
    details: { reason, marker },
  };
  return { serialNumber: record.serialNumber, reason, at: REVOKED_AT, audit };
}

/** `revoke`: one change, audited once, counted once in the CRL revision; and `listRevoked`. */
export function revocationRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("revokes a valid certificate: the record, one audit entry, one more revocation counted", async ({
      store,
    }) => {
      const record = certificate("device-revoked");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      const { revision } = await store.latestCrl();
      const request = revocation(record, "keyCompromise");
      const revoked = {
        ...record,
        status: "revoked",
        revokedAt: REVOKED_AT,
        revocationReason: "keyCompromise",
      };
      expect(await store.revoke(request)).toEqual({ record: revoked, changed: true });
      expect(await store.findBySerialNumber(record.serialNumber)).toEqual(revoked);
      const audit = await store.listAudit({ limit: 1000 });
      expect(audit.filter((entry) => sameEvent(entry, request.audit))).toHaveLength(1);
      expect((await store.latestCrl()).revision).toBe(revision + 1);
    });

    it("revoking again changes nothing: the first reason stays, no audit entry, no revision", async ({
      store,
    }) => {
      const record = certificate("device-revoked-twice");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      await store.revoke(revocation(record, "superseded"));
      const { revision } = await store.latestCrl();
      const again = revocation(record, "keyCompromise");
      const result = await store.revoke(again);
      expect(result?.changed, `${RULE}: a revoked certificate must not be revoked again`).toBe(false);
      expect(result?.record).toMatchObject({ status: "revoked", revocationReason: "superseded" });
      expect(
        (await store.listAudit({ limit: 1000 })).filter((entry) => sameEvent(entry, again.audit)),
        `${RULE}: a revocation that changed nothing must not be audited`,
      ).toEqual([]);
      expect((await store.latestCrl()).revision, `${RULE}: nor counted`).toBe(revision);
    });

    it("an unknown serial number: undefined, nothing audited, nothing counted", async ({ store }) => {
      const { revision } = await store.latestCrl();
      const unknown = revocation(certificate("nobody"), "keyCompromise");
      expect(await store.revoke(unknown)).toBeUndefined();
      expect(
        (await store.listAudit({ limit: 1000 })).filter((entry) => sameEvent(entry, unknown.audit)),
      ).toEqual([]);
      expect((await store.latestCrl()).revision).toBe(revision);
    });

    it("lists revoked certificates until they expire: at their notAfter they are gone", async ({ store }) => {
      const record = certificate("device-expiring", { notAfter: new Date("2026-06-01T00:00:00.000Z") });
      const valid = certificate("device-valid");
      for (const each of [record, valid])
        await store.recordIssuance({ certificate: each, audit: issuanceAudit(each) });
      await store.revoke(revocation(record, "cessationOfOperation"));
      const listed = {
        serialNumber: record.serialNumber,
        revokedAt: REVOKED_AT,
        reason: "cessationOfOperation",
      };
      expect(await store.listRevoked({ unexpiredAt: new Date("2026-05-31T23:59:59.999Z") })).toEqual([
        listed,
      ]);
      expect(await store.listRevoked({ unexpiredAt: record.notAfter })).toEqual([]);
    });

    it(`${RACERS} concurrent revocations of one certificate: exactly one changes it, audited and counted once`, async ({
      store,
      race,
    }) => {
      const record = certificate("device-revocation-race");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      const { revision } = await store.latestCrl();
      const reasons = ["keyCompromise", "superseded", "affiliationChanged", "cessationOfOperation"];
      const requests = Array.from({ length: RACERS }, (_, index) =>
        revocation(record, reasons[index % reasons.length] as string, `attempt-${index}`),
      );
      const outcomes = await race(
        "revoke",
        requests.map((request) => [request]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${RULE}: revocations must not fail (${summary(outcomes)})`,
      ).toEqual([]);
      const changed = requests.filter((_, index) => {
        const outcome = outcomes[index];
        return outcome?.ok === true && outcome.value?.changed === true;
      });
      expect(
        changed,
        `${RULE}: exactly one of ${RACERS} concurrent revocations may change the certificate`,
      ).toHaveLength(1);
      const winner = changed[0] as RevokeRequest;
      const stored = await store.findBySerialNumber(record.serialNumber);
      expect(stored).toMatchObject({ status: "revoked", revocationReason: winner.reason });
      for (const outcome of outcomes) {
        expect(
          outcome.ok && outcome.value?.record,
          "every revocation answers with the record as it now is",
        ).toEqual(stored);
      }
      const audit = await store.listAudit({ limit: 1000 });
      expect(
        requests.filter((request) => audit.some((entry) => sameEvent(entry, request.audit))),
        `${RULE}: only the revocation that changed the certificate may be audited`,
      ).toEqual([winner]);
      expect((await store.latestCrl()).revision, `${RULE}: and counted once`).toBe(revision + 1);
    });
  });
}

import { describe, expect } from "vitest";
import type { Profile } from "../../../src/core/profiles.js";
import type { CrlIssuer } from "../../../src/ports/certificate-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneChange } from "./one-winner.js";
import {
  CRL_ISSUERS,
  certificate,
  crlRevisions,
  issuanceAudit,
  REVOKED_AT,
  recorded,
  revocation,
  sameEvent,
  signedBy,
} from "./records.js";

const RULE = "a revocation changes a certificate once";
const LISTED = "a CRL lists the revoked certificates its CA signed, until they expire";

/** The CRL that lists certificates of `profile`. */
const issuerOf = (profile: Profile): CrlIssuer =>
  CRL_ISSUERS.find((issuer) => signedBy(issuer).includes(profile)) as CrlIssuer;

/** Each profile a CRL lists: a revocation counts on its issuer's CRL, and on that one only. */
const REVOCABLE: Profile[] = CRL_ISSUERS.flatMap(signedBy);

/**
 * `revoke`: one change, audited once, counted once in the revision of the CRL that lists the
 * certificate (and not in the other's); and `listRevoked`, each CRL's own certificates.
 */
export function revocationRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    for (const profile of REVOCABLE) {
      const issuer = issuerOf(profile);
      it(`revokes a valid ${profile} certificate: the record, one audit entry, one more revocation on ${issuer}'s CRL alone`, async ({
        store,
      }) => {
        const record = await recorded(store, profile);
        const before = await crlRevisions(store);
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
        expect(
          await crlRevisions(store),
          `${RULE}: counted on the CRL of the certificate's issuer, ${issuer}, and on no other`,
        ).toEqual({ ...before, [issuer]: before[issuer] + 1 });
      });
    }

    it("revoking again changes nothing: the first reason stays, no audit entry, no revision", async ({
      store,
    }) => {
      const record = certificate("device-revoked-twice");
      await store.recordIssuance({ certificate: record, audit: issuanceAudit(record) });
      await store.revoke(revocation(record, "superseded"));
      const before = await crlRevisions(store);
      const again = revocation(record, "keyCompromise");
      const result = await store.revoke(again);
      expect(result?.changed, `${RULE}: a revoked certificate must not be revoked again`).toBe(false);
      expect(result?.record).toMatchObject({ status: "revoked", revocationReason: "superseded" });
      expect(
        (await store.listAudit({ limit: 1000 })).filter((entry) => sameEvent(entry, again.audit)),
        `${RULE}: a revocation that changed nothing must not be audited`,
      ).toEqual([]);
      expect(await crlRevisions(store), `${RULE}: nor counted`).toEqual(before);
    });

    it("an unknown serial number: undefined, nothing audited, nothing counted", async ({ store }) => {
      const before = await crlRevisions(store);
      const unknown = revocation(certificate("nobody"), "keyCompromise");
      expect(await store.revoke(unknown)).toBeUndefined();
      expect(
        (await store.listAudit({ limit: 1000 })).filter((entry) => sameEvent(entry, unknown.audit)),
      ).toEqual([]);
      expect(await crlRevisions(store)).toEqual(before);
    });

    it("each CRL lists its own revoked certificates until they expire: at their notAfter they are gone", async ({
      store,
    }) => {
      const revoked = new Map<Profile, Awaited<ReturnType<typeof recorded>>>();
      for (const profile of REVOCABLE) {
        const record = await recorded(store, profile);
        await store.revoke(revocation(record, "cessationOfOperation"));
        revoked.set(profile, record);
      }
      // Valid ones of every kind, which no CRL lists.
      for (const profile of REVOCABLE) await recorded(store, profile);
      const expiring = certificate("device-expiring", { notAfter: new Date("2026-06-01T00:00:00.000Z") });
      await store.recordIssuance({ certificate: expiring, audit: issuanceAudit(expiring) });
      await store.revoke(revocation(expiring, "cessationOfOperation"));

      const before = new Date("2026-05-31T23:59:59.999Z");
      for (const issuer of CRL_ISSUERS) {
        const own = signedBy(issuer).map((profile) => revoked.get(profile)?.serialNumber as string);
        const listed = (unexpiredAt: Date) =>
          store
            .listRevoked({ issuer, unexpiredAt })
            .then((entries) => [...entries].sort((a, b) => a.serialNumber.localeCompare(b.serialNumber)));
        const entries = (serials: string[]) =>
          serials
            .sort()
            .map((serialNumber) => ({ serialNumber, revokedAt: REVOKED_AT, reason: "cessationOfOperation" }));
        expect(await listed(before), `${LISTED}: ${issuer}'s lists those, and no other`).toEqual(
          entries(issuer === "issuing-ca" ? [...own, expiring.serialNumber] : own),
        );
        expect(await listed(expiring.notAfter), `${LISTED}: at its notAfter one is gone (${issuer})`).toEqual(
          entries(own),
        );
      }
    });

    for (const profile of ["device", "intermediate"] as const) {
      const issuer = issuerOf(profile);
      it(`${RACERS} concurrent revocations of one ${profile} certificate: exactly one changes it, audited once and counted once on ${issuer}'s CRL`, async ({
        store,
        race,
      }) => {
        const record = await recorded(store, profile);
        const before = await crlRevisions(store);
        const reasons = ["keyCompromise", "superseded", "affiliationChanged", "cessationOfOperation"];
        const requests = Array.from({ length: RACERS }, (_, index) =>
          revocation(record, reasons[index % reasons.length] as string, `attempt-${index}`),
        );
        const outcomes = await race(
          "revoke",
          requests.map((request) => [request]),
        );
        const stored = await store.findBySerialNumber(record.serialNumber);
        const winner = expectOneChange(RULE, "certificate", requests, outcomes, stored);
        expect(stored).toMatchObject({ status: "revoked", revocationReason: winner.reason });
        const audit = await store.listAudit({ limit: 1000 });
        expect(
          requests.filter((request) => audit.some((entry) => sameEvent(entry, request.audit))),
          `${RULE}: only the revocation that changed the certificate may be audited`,
        ).toEqual([winner]);
        expect(await crlRevisions(store), `${RULE}: and counted once, on ${issuer}'s CRL alone`).toEqual({
          ...before,
          [issuer]: before[issuer] + 1,
        });
      });
    }
  });
}

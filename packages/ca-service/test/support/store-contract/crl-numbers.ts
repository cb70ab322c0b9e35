import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import type { StoredCrl } from "../../../src/ports/certificate-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { summary } from "./one-winner.js";
import { certificate, issuanceAudit } from "./records.js";

const RULE = "CRL numbers strictly increase";

function crl(crlNumber: number, revision = 0): StoredCrl {
  return {
    crlNumber,
    revision,
    thisUpdate: new Date(Date.UTC(2026, 0, 1, 0, crlNumber)),
    nextUpdate: new Date(Date.UTC(2026, 0, 2, 0, crlNumber)),
    der: new Uint8Array(randomBytes(64)),
  };
}

/** `allocateCrlNumber`, `publishCrl` keeping the highest, and `latestCrl` with its revision. */
export function crlNumberRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("a new store has no CRL and no revocations", async ({ store }) => {
      expect(await store.latestCrl()).toEqual({ crl: undefined, revision: 0 });
    });

    it("allocates increasing numbers, each with the revocations committed before it", async ({ store }) => {
      const first = await store.allocateCrlNumber();
      const second = await store.allocateCrlNumber();
      expect(second.crlNumber, `${RULE}: each allocation must exceed the one before`).toBeGreaterThan(
        first.crlNumber,
      );
      expect(second.revision).toBe(first.revision);
      const revoked = certificate("device-crl");
      await store.recordIssuance({ certificate: revoked, audit: issuanceAudit(revoked) });
      await store.revoke({
        serialNumber: revoked.serialNumber,
        reason: "keyCompromise",
        at: new Date("2026-02-01T00:00:00.000Z"),
        audit: issuanceAudit(revoked, { revoked: true }),
      });
      const third = await store.allocateCrlNumber();
      expect(third.crlNumber).toBeGreaterThan(second.crlNumber);
      expect(third.revision, "an allocation carries the revocation count at that moment").toBe(
        second.revision + 1,
      );
      expect((await store.latestCrl()).revision).toBe(third.revision);
    });

    it("publishing keeps the highest-numbered CRL, exactly as given", async ({ store }) => {
      const fifth = crl(5, 2);
      await store.publishCrl(fifth);
      expect((await store.latestCrl()).crl).toEqual(fifth);
      await store.publishCrl(crl(3));
      await store.publishCrl(crl(5));
      expect(
        (await store.latestCrl()).crl,
        `${RULE}: a lower or equal number must not replace the CRL`,
      ).toEqual(fifth);
      const seventh = crl(7, 3);
      await store.publishCrl(seventh);
      expect((await store.latestCrl()).crl).toEqual(seventh);
    });

    it(`${RACERS} concurrent allocations get distinct numbers, above those before and below those after`, async ({
      store,
      race,
    }) => {
      const before = await store.allocateCrlNumber();
      const outcomes = await race(
        "allocateCrlNumber",
        Array.from({ length: RACERS }, () => [] as []),
      );
      const numbers = outcomes.map((outcome) => (outcome.ok ? outcome.value.crlNumber : Number.NaN));
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${RULE}: allocations must not fail (${summary(outcomes)})`,
      ).toEqual([]);
      expect(new Set(numbers).size, `${RULE}: concurrent allocations got the same number (${numbers})`).toBe(
        RACERS,
      );
      expect(Math.min(...numbers)).toBeGreaterThan(before.crlNumber);
      expect((await store.allocateCrlNumber()).crlNumber).toBeGreaterThan(Math.max(...numbers));
    });

    it(`${RACERS} concurrent publications, in any order: the highest number is the one kept`, async ({
      store,
      race,
    }) => {
      // Numbered 1..n, sent in an order that puts the highest neither first nor last.
      const crls = Array.from({ length: RACERS }, (_, index) => crl(((index * 5) % RACERS) + 1));
      const outcomes = await race(
        "publishCrl",
        crls.map((published) => [published]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        summary(outcomes),
      ).toEqual([]);
      expect(
        (await store.latestCrl()).crl,
        `${RULE}: after concurrent publications the stored CRL must be the highest-numbered`,
      ).toEqual(crls.find((published) => published.crlNumber === RACERS));
    });
  });
}

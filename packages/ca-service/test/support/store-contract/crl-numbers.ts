import { randomBytes } from "node:crypto";
import { describe, expect } from "vitest";
import type { CrlIssuer, StoredCrl } from "../../../src/ports/certificate-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { summary } from "./one-winner.js";
import { CRL_ISSUERS, crlRevisions, recorded, revocation, signedBy } from "./records.js";

const RULE = "CRL numbers strictly increase, for each CRL on its own";

function crl(crlNumber: number, revision = 0): StoredCrl {
  return {
    crlNumber,
    revision,
    thisUpdate: new Date(Date.UTC(2026, 0, 1, 0, crlNumber)),
    nextUpdate: new Date(Date.UTC(2026, 0, 2, 0, crlNumber)),
    der: new Uint8Array(randomBytes(64)),
  };
}

/**
 * `allocateCrlNumber`, `publishCrl` keeping the highest, and `latestCrl` with its revision: each of
 * the two CRLs (the issuing CA's, the root's) has numbers, a stored CRL and a revision of its own.
 */
export function crlNumberRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("a new store has neither CRL, and no revocations counted for either", async ({ store }) => {
      for (const issuer of CRL_ISSUERS) {
        expect(await store.latestCrl(issuer), issuer).toEqual({ crl: undefined, revision: 0 });
      }
    });

    for (const issuer of CRL_ISSUERS) {
      it(`${issuer}: allocates increasing numbers, each with the revocations of its certificates committed before it`, async ({
        store,
      }) => {
        const first = await store.allocateCrlNumber(issuer);
        const second = await store.allocateCrlNumber(issuer);
        expect(second.crlNumber, `${RULE}: each allocation must exceed the one before`).toBeGreaterThan(
          first.crlNumber,
        );
        expect(second.revision).toBe(first.revision);
        for (const profile of signedBy(issuer)) {
          await store.revoke(revocation(await recorded(store, profile), "keyCompromise"));
        }
        const third = await store.allocateCrlNumber(issuer);
        expect(third.crlNumber).toBeGreaterThan(second.crlNumber);
        expect(third.revision, "an allocation carries its CRL's revocation count at that moment").toBe(
          second.revision + signedBy(issuer).length,
        );
        expect((await store.latestCrl(issuer)).revision).toBe(third.revision);
      });
    }

    it("the two CRLs number apart: allocating for one takes none of the other's numbers, nor counts anything", async ({
      store,
    }) => {
      const before = await crlRevisions(store);
      const numbers: Record<CrlIssuer, number[]> = { "issuing-ca": [], root: [] };
      // Interleaved: each CRL's numbers still increase, whatever the other's do.
      for (const issuer of ["issuing-ca", "root", "root", "issuing-ca", "root", "issuing-ca"] as const) {
        numbers[issuer].push((await store.allocateCrlNumber(issuer)).crlNumber);
      }
      for (const issuer of CRL_ISSUERS) {
        const [first, second, third] = numbers[issuer] as [number, number, number];
        expect(second, `${RULE}: ${issuer}'s numbers, interleaved with the other's`).toBeGreaterThan(first);
        expect(third, `${RULE}: ${issuer}'s numbers, interleaved with the other's`).toBeGreaterThan(second);
        // Whether the other CRL allocated in between or not, this one's numbers go by the same step:
        // the other's allocations take none of its numbers.
        expect(
          third - second,
          `${RULE}: ${issuer}'s numbers moved with the other CRL's allocations (${numbers[issuer]})`,
        ).toBe(second - first);
      }
      expect(await crlRevisions(store), "allocating counts no revocation").toEqual(before);
    });

    it("publishing keeps each CRL's highest-numbered one, exactly as given, whatever the other's number", async ({
      store,
    }) => {
      const fifth = crl(5, 2);
      await store.publishCrl("issuing-ca", fifth);
      expect((await store.latestCrl("issuing-ca")).crl).toEqual(fifth);
      expect((await store.latestCrl("root")).crl, "publishing one CRL publishes nothing of the other").toBe(
        undefined,
      );
      await store.publishCrl("issuing-ca", crl(3));
      await store.publishCrl("issuing-ca", crl(5));
      expect(
        (await store.latestCrl("issuing-ca")).crl,
        `${RULE}: a lower or equal number must not replace the CRL`,
      ).toEqual(fifth);

      // The root's CRL, numbered below the issuing CA's, is stored all the same, and changes nothing there.
      const rootSecond = crl(2, 1);
      await store.publishCrl("root", rootSecond);
      expect((await store.latestCrl("root")).crl, `${RULE}: root's CRL is kept by its own number`).toEqual(
        rootSecond,
      );
      expect((await store.latestCrl("issuing-ca")).crl, `${RULE}: the issuing CA's CRL stays`).toEqual(fifth);
      await store.publishCrl("root", crl(1));
      expect((await store.latestCrl("root")).crl, `${RULE}: root's CRL too`).toEqual(rootSecond);

      // Above the other CRL's number now: still kept apart.
      const rootNinth = crl(9, 3);
      await store.publishCrl("root", rootNinth);
      const seventh = crl(7, 3);
      await store.publishCrl("issuing-ca", seventh);
      expect((await store.latestCrl("issuing-ca")).crl, `${RULE}: each CRL by its own number`).toEqual(
        seventh,
      );
      expect((await store.latestCrl("root")).crl, `${RULE}: each CRL by its own number`).toEqual(rootNinth);
    });

    it(`${RACERS} concurrent allocations over both CRLs: each CRL's numbers distinct, above those before and below those after`, async ({
      store,
      race,
    }) => {
      const before = {
        "issuing-ca": await store.allocateCrlNumber("issuing-ca"),
        root: await store.allocateCrlNumber("root"),
      };
      const issuers = Array.from({ length: RACERS }, (_, index) => CRL_ISSUERS[index % 2] as CrlIssuer);
      const outcomes = await race(
        "allocateCrlNumber",
        issuers.map((issuer) => [issuer]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${RULE}: allocations must not fail (${summary(outcomes)})`,
      ).toEqual([]);
      for (const issuer of CRL_ISSUERS) {
        const numbers = outcomes
          .filter((_, index) => issuers[index] === issuer)
          .map((outcome) => (outcome.ok ? outcome.value.crlNumber : Number.NaN));
        expect(
          new Set(numbers).size,
          `${RULE}: concurrent allocations for ${issuer} got the same number (${numbers})`,
        ).toBe(RACERS / 2);
        expect(Math.min(...numbers), issuer).toBeGreaterThan(before[issuer].crlNumber);
        expect((await store.allocateCrlNumber(issuer)).crlNumber, issuer).toBeGreaterThan(
          Math.max(...numbers),
        );
      }
    });

    it(`${RACERS} concurrent publications over both CRLs, in any order: each CRL keeps its highest`, async ({
      store,
      race,
    }) => {
      const count = RACERS / 2;
      // The two CRLs in turn, each numbered 1..n in an order that puts its highest neither first nor last.
      const calls = Array.from({ length: RACERS }, (_, index): [CrlIssuer, StoredCrl] => [
        CRL_ISSUERS[index % 2] as CrlIssuer,
        crl(((Math.floor(index / 2) * 5) % count) + 1),
      ]);
      const outcomes = await race("publishCrl", calls);
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        summary(outcomes),
      ).toEqual([]);
      for (const issuer of CRL_ISSUERS) {
        expect(
          (await store.latestCrl(issuer)).crl,
          `${RULE}: after concurrent publications ${issuer}'s stored CRL must be its highest-numbered`,
        ).toEqual(calls.find(([of, each]) => of === issuer && each.crlNumber === count)?.[1]);
      }
    });
  });
}

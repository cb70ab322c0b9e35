import { describe, expect } from "vitest";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneWinner } from "./one-winner.js";
import { certificate, issuance, issuanceAttempts, issuanceAudit, traces } from "./records.js";

const RULE = "a certificate is superseded once";

/** `recordIssuance` with `supersedes`: a renewal, which a certificate allows once. */
export function supersessionRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("a renewal marks the renewed certificate superseded by the new one", async ({ store }) => {
      const current = certificate("device-renewing");
      await store.recordIssuance({ certificate: current, audit: issuanceAudit(current) });
      const renewal = issuance({ supersedes: current.serialNumber });
      await store.recordIssuance(renewal.request);
      expect(await store.findBySerialNumber(current.serialNumber)).toEqual({
        ...current,
        supersededBy: renewal.request.certificate.serialNumber,
      });
      expect(
        (await store.findBySerialNumber(renewal.request.certificate.serialNumber))?.supersededBy,
      ).toBeNull();
    });

    it("renewing a renewed certificate again fails and writes nothing", async ({ store }) => {
      const current = certificate("device-renewed-twice");
      await store.recordIssuance({ certificate: current, audit: issuanceAudit(current) });
      const first = issuance({ supersedes: current.serialNumber });
      await store.recordIssuance(first.request);
      const second = issuance({ supersedes: current.serialNumber });
      await expect(
        store.recordIssuance(second.request),
        `${RULE}: a second renewal must fail`,
      ).rejects.toThrow();
      expect(
        await traces(store, second.request, second),
        `${RULE}: the refused renewal wrote something`,
      ).toEqual([]);
      expect((await store.findBySerialNumber(current.serialNumber))?.supersededBy).toBe(
        first.request.certificate.serialNumber,
      );
    });

    it("renewing a certificate the store does not know fails and writes nothing", async ({ store }) => {
      const renewal = issuance({ supersedes: certificate("nobody").serialNumber });
      await expect(store.recordIssuance(renewal.request)).rejects.toThrow();
      expect(await traces(store, renewal.request, renewal)).toEqual([]);
    });

    it(`${RACERS} concurrent renewals of one certificate: one commits, the others write nothing`, async ({
      store,
      race,
    }) => {
      const current = certificate("device-renewal-race");
      await store.recordIssuance({ certificate: current, audit: issuanceAudit(current) });
      const attempts = issuanceAttempts(RACERS, { supersedes: current.serialNumber });
      const outcomes = await race(
        "recordIssuance",
        attempts.map((attempt) => [attempt.request]),
      );
      const winner = await expectOneWinner(RULE, store, attempts, outcomes);
      expect((await store.findBySerialNumber(current.serialNumber))?.supersededBy).toBe(
        winner.request.certificate.serialNumber,
      );
    });
  });
}

import { describe, expect } from "vitest";
import { type ContractTest, RACERS } from "./contract.js";
import { summary } from "./one-winner.js";
import { everyTrace, issuance, traces } from "./records.js";

const RULE = "ready means able to commit";

/**
 * `check`: readiness takes the write lock and lets go of it (see write-probe.ts). On a healthy store
 * it passes, also when every replica asks at once, and it leaves the lock free for the writes after it.
 */
export function readinessRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("a healthy store passes its check, and writes, its own and another replica's, commit right after", async ({
      store,
      race,
    }) => {
      await expect(store.check(), `${RULE}: a healthy store must pass its check`).resolves.toBeUndefined();
      await expect(store.check(), `${RULE}: and pass it again`).resolves.toBeUndefined();
      const here = issuance().request;
      await store.recordIssuance(here);
      const elsewhere = issuance().request;
      const [outcome] = await race("recordIssuance", [[elsewhere]]);
      expect(outcome, `${RULE}: a check lets go of the write lock`).toEqual({ ok: true, value: undefined });
      for (const request of [here, elsewhere])
        expect(await traces(store, request)).toEqual(everyTrace(request));
    });

    it(`${RACERS} concurrent checks from other replicas: every one passes`, async ({ store, race }) => {
      const outcomes = await race(
        "check",
        Array.from({ length: RACERS }, () => [] as []),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${RULE}: replicas checking at once must not make each other unready (${summary(outcomes)})`,
      ).toEqual([]);
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}

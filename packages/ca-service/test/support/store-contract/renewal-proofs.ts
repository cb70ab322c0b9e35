import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { type ContractTest, RACERS } from "./contract.js";
import { summary } from "./one-winner.js";

const RULE = "a renewal proof's jti is used once";

const T = new Date("2026-01-01T00:10:00.000Z");
const at = (milliseconds: number) => new Date(T.getTime() + milliseconds);

/** `consumeRenewalProof`: a jti counts once while its proof could still verify. */
export function renewalProofRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("the first use counts; a replay does not; another jti does", async ({ store }) => {
      const jti = randomUUID();
      expect(await store.consumeRenewalProof({ jti, keepUntil: T, now: at(-60_000) })).toBe(true);
      expect(
        await store.consumeRenewalProof({ jti, keepUntil: T, now: at(-30_000) }),
        `${RULE}: a replayed jti must be refused`,
      ).toBe(false);
      expect(await store.consumeRenewalProof({ jti: randomUUID(), keepUntil: T, now: at(-30_000) })).toBe(
        true,
      );
    });

    it("is kept until keepUntil, inclusive, and forgotten after it", async ({ store }) => {
      const jti = randomUUID();
      expect(await store.consumeRenewalProof({ jti, keepUntil: T, now: at(-60_000) })).toBe(true);
      expect(
        await store.consumeRenewalProof({ jti, keepUntil: at(60_000), now: T }),
        `${RULE}: a jti must still count as used at its keepUntil`,
      ).toBe(false);
      // A millisecond later the proof could not verify anyway: its row goes, the jti counts anew.
      expect(await store.consumeRenewalProof({ jti, keepUntil: at(60_000), now: at(1) })).toBe(true);
      expect(await store.consumeRenewalProof({ jti, keepUntil: at(60_000), now: at(2) })).toBe(false);
    });

    it(`${RACERS} concurrent uses of one jti: exactly one counts, none fails`, async ({ race }) => {
      const jti = randomUUID();
      const outcomes = await race(
        "consumeRenewalProof",
        Array.from({ length: RACERS }, () => [{ jti, keepUntil: T, now: at(-60_000) }]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${RULE}: a replay is an answer (false), not an error (${summary(outcomes)})`,
      ).toEqual([]);
      expect(
        outcomes.filter((outcome) => outcome.ok && outcome.value === true),
        `${RULE}: exactly one of ${RACERS} concurrent uses may count (${outcomes.map((o) => (o.ok ? o.value : "error")).join(", ")})`,
      ).toHaveLength(1);
    });
  });
}

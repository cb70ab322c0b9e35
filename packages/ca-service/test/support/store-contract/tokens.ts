import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneWinner } from "./one-winner.js";
import { consumedToken, issuance, issuanceAttempts, traces } from "./records.js";

const RULE = "a bootstrap token is consumed once";

/** `recordIssuance` with `consumeToken`, and `isTokenUsed`. */
export function tokenRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("an issuance that redeems a token records it as used; other tokens stay unused", async ({ store }) => {
      const token = consumedToken(`token-${randomUUID()}`);
      expect(await store.isTokenUsed(token.tokenId)).toBe(false);
      await store.recordIssuance(issuance({ consumeToken: token }).request);
      expect(await store.isTokenUsed(token.tokenId), `${RULE}: a redeemed token must read as used`).toBe(
        true,
      );
      expect(await store.isTokenUsed(`${token.tokenId}-other`)).toBe(false);
    });

    it("a second redemption of a used token fails and writes nothing", async ({ store }) => {
      const token = consumedToken(`token-${randomUUID()}`);
      await store.recordIssuance(issuance({ consumeToken: token }).request);
      const again = issuance({ consumeToken: token });
      await expect(
        store.recordIssuance(again.request),
        `${RULE}: redeeming a used token must fail`,
      ).rejects.toThrow();
      expect(
        await traces(store, again.request, again),
        `${RULE}: the refused redemption wrote something`,
      ).toEqual([]);
    });

    it(`${RACERS} concurrent redemptions of one token: one commits, the others write nothing`, async ({
      store,
      race,
    }) => {
      const token = consumedToken(`token-${randomUUID()}`);
      const attempts = issuanceAttempts(RACERS, { consumeToken: token });
      const outcomes = await race(
        "recordIssuance",
        attempts.map((attempt) => [attempt.request]),
      );
      await expectOneWinner(RULE, store, attempts, outcomes);
      expect(await store.isTokenUsed(token.tokenId)).toBe(true);
    });
  });
}

import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import type { RecordIssuanceRequest } from "../../../src/ports/certificate-store.js";
import { settle } from "../outcome.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneWinner, summary } from "./one-winner.js";
import { certificate, consumedToken, everyTrace, issuance, issuanceAttempts, traces } from "./records.js";

/** Issuances sent to one store at once: enough that most of them share commits on every adapter. */
const CONCURRENT = 40;

/**
 * Concurrent issuances on one store share commits (group commit). All are sent in one tick: at most
 * the first few find a free commit slot of their own (one on SQLite, a few on PostgreSQL), and the
 * rest wait and share the next commits, so a request placed after the first ten always shares one.
 */
export function groupCommitRules(it: ContractTest): void {
  describe("rule: issuances sharing a commit are each all or nothing", () => {
    it(`${CONCURRENT} concurrent issuances on one store are all recorded, each with all it carried`, async ({
      store,
    }) => {
      const attempts = issuanceAttempts(CONCURRENT);
      const outcomes = await Promise.all(
        attempts.map((attempt) => settle(() => store.recordIssuance(attempt.request))),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `group commit: no concurrent issuance may fail (${summary(outcomes)})`,
      ).toEqual([]);
      for (const attempt of attempts) {
        expect(
          await traces(store, attempt.request),
          `group commit: issuance ${attempt.index} was answered, so all it carried is recorded`,
        ).toEqual(everyTrace(attempt.request));
      }
    });

    it("failing issuances among concurrent ones write nothing, and lose nothing of the others", async ({
      store,
    }) => {
      const usedToken = consumedToken(`used-${randomUUID()}`);
      const used = { ...issuance().request, consumeToken: usedToken };
      await store.recordIssuance(used);
      const attempts = issuanceAttempts(CONCURRENT);
      // Each fails late, after the writes of its own that its savepoint must undo.
      const failing = new Map<number, (request: RecordIssuanceRequest) => RecordIssuanceRequest>([
        // an audit time that cannot be stored: the last write fails
        [12, (request) => ({ ...request, audit: { ...request.audit, at: new Date(Number.NaN) } })],
        // a taken serial: the certificate fails after the token and the idempotency record
        [
          20,
          (request) => ({
            ...request,
            certificate: certificate("taken-serial", { serialNumber: used.certificate.serialNumber }),
          }),
        ],
        // a used token: the first compare-and-set fails
        [28, (request) => ({ ...request, consumeToken: usedToken })],
      ]);
      for (const [index, fail] of failing) {
        const attempt = attempts[index];
        if (attempt !== undefined) attempt.request = fail(attempt.request);
      }
      const outcomes = await Promise.all(
        attempts.map((attempt) => settle(() => store.recordIssuance(attempt.request))),
      );
      for (const attempt of attempts) {
        const fails = failing.has(attempt.index);
        expect(
          outcomes[attempt.index]?.ok,
          `group commit: issuance ${attempt.index} must ${fails ? "fail" : "commit"} (${summary(outcomes)})`,
        ).toBe(!fails);
        expect(
          await traces(store, attempt.request, { sharedToken: attempt.index === 28 }),
          fails
            ? `group commit: issuance ${attempt.index} failed, so it must have written nothing`
            : `group commit: issuance ${attempt.index} shared a commit with failures and must have written all it carried`,
        ).toEqual(fails ? [] : everyTrace(attempt.request));
      }
      expect(await traces(store, used), "the earlier issuance is untouched").toEqual(everyTrace(used));
    });

    it(`${CONCURRENT} distinct issuances spread over replicas at once all commit: groups wait for each other's commits`, async ({
      store,
      race,
    }) => {
      const attempts = issuanceAttempts(CONCURRENT);
      const outcomes = await race(
        "recordIssuance",
        attempts.map((attempt) => [attempt.request]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `group commit: no issuance may fail for another replica's commit (${summary(outcomes)})`,
      ).toEqual([]);
      for (const attempt of attempts) {
        expect(await traces(store, attempt.request)).toEqual(everyTrace(attempt.request));
      }
    });

    it(`${RACERS} concurrent issuances on one store redeeming one token: one commits, the others write nothing`, async ({
      store,
    }) => {
      // Contenders in one shared commit meet at their savepoints, not at another's commit.
      const attempts = issuanceAttempts(RACERS, { consumeToken: consumedToken(`shared-${randomUUID()}`) });
      const outcomes = await Promise.all(
        attempts.map((attempt) => settle(() => store.recordIssuance(attempt.request))),
      );
      await expectOneWinner("group commit: a token is consumed once", store, attempts, outcomes);
    });
  });
}

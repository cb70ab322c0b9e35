import { expect } from "vitest";
import type { CertificateStore } from "../../../src/ports/certificate-store.js";
import type { Outcome } from "../outcome.js";
import type { RaceOutcome } from "../store-replicas.js";
import { everyTrace, type IssuanceAttempt, traces } from "./records.js";

/**
 * The check every race on `recordIssuance` ends with: exactly one attempt committed, it left all it
 * writes, and each other attempt failed and left nothing (no certificate, audit entry, idempotency
 * record, used token or supersession). Failure messages start with the rule that broke.
 */
export async function expectOneWinner(
  rule: string,
  store: CertificateStore,
  attempts: IssuanceAttempt[],
  outcomes: RaceOutcome<"recordIssuance">[],
): Promise<IssuanceAttempt> {
  const committed = attempts.filter((attempt) => outcomes[attempt.index]?.ok);
  expect(
    committed.map((attempt) => attempt.index),
    `${rule}: exactly one of ${attempts.length} concurrent attempts may commit (outcomes: ${summary(outcomes)})`,
  ).toHaveLength(1);
  const winner = committed[0] as IssuanceAttempt;
  for (const attempt of attempts) {
    const left = await traces(store, attempt.request, attempt);
    if (attempt === winner) {
      expect(left, `${rule}: the attempt that committed must have written all it carried`).toEqual(
        everyTrace(attempt.request, attempt),
      );
    } else {
      expect(left, `${rule}: attempt ${attempt.index} failed, so it must have written nothing`).toEqual([]);
    }
  }
  return winner;
}

/**
 * The check every race of revocations (`revoke`, `revokeApiToken`) makes: none failed, exactly one
 * changed what it revoked, and every one answers with the record as it is now, `stored`. Returns the
 * request that made the change. Failure messages start with the rule that broke.
 */
export function expectOneChange<Request>(
  rule: string,
  what: string,
  requests: Request[],
  outcomes: Outcome<{ record: unknown; changed: boolean } | undefined>[],
  stored: unknown,
): Request {
  expect(
    outcomes.filter((outcome) => !outcome.ok),
    `${rule}: revocations must not fail (${summary(outcomes)})`,
  ).toEqual([]);
  const changed = requests.filter((_, index) => {
    const outcome = outcomes[index];
    return outcome?.ok === true && outcome.value?.changed === true;
  });
  expect(
    changed,
    `${rule}: exactly one of ${requests.length} concurrent revocations may change the ${what}`,
  ).toHaveLength(1);
  for (const outcome of outcomes) {
    expect(
      outcome.ok && outcome.value?.record,
      `${rule}: every revocation answers with the ${what}'s record as it now is`,
    ).toEqual(stored);
  }
  return changed[0] as Request;
}

/** Outcomes in a line: what a failing race printed is what went wrong. */
export function summary(outcomes: { ok: boolean; error?: string }[]): string {
  return outcomes.map((outcome) => (outcome.ok ? "committed" : `failed (${outcome.error})`)).join("; ");
}

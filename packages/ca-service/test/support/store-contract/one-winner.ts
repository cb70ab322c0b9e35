import { expect } from "vitest";
import type { CertificateStore } from "../../../src/ports/certificate-store.js";
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

/** Outcomes in a line: what a failing race printed is what went wrong. */
export function summary(outcomes: { ok: boolean; error?: string }[]): string {
  return outcomes.map((outcome) => (outcome.ok ? "committed" : `failed (${outcome.error})`)).join("; ");
}

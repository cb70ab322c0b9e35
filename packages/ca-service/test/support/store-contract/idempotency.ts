import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import type { AuditEvent, RecordEventRequest } from "../../../src/ports/certificate-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneWinner, summary } from "./one-winner.js";
import { idempotencyRecord, issuance, issuanceAttempts, sameEvent, traces } from "./records.js";

const RULE = "an idempotency key is recorded once";

/** An audited event that issues nothing (a minted token), with a marker telling whose it is. */
function event(marker: string, idempotency = idempotencyRecord(`caller-${marker}`, `key-${marker}`)) {
  const audit: AuditEvent = {
    at: new Date("2026-01-01T00:05:00.000Z"),
    actor: "test",
    action: "bootstrap-token.create",
    target: "device",
    outcome: "success",
    details: { marker },
  };
  return { audit, idempotency } satisfies RecordEventRequest;
}

/** `recordIssuance` and `recordEvent` with `idempotency`, and `findIdempotencyRecord`. */
export function idempotencyRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("stores the record with the issuance and reads it back exactly, per caller and key", async ({
      store,
    }) => {
      const record = idempotencyRecord("caller-a", "key-1");
      await store.recordIssuance({ ...issuance().request, idempotency: record });
      expect(await store.findIdempotencyRecord("caller-a", "key-1")).toEqual(record);
      expect(await store.findIdempotencyRecord("caller-a", "key-2")).toBeUndefined();
      expect(await store.findIdempotencyRecord("caller-b", "key-1")).toBeUndefined();
      // Keys are each caller's own: another caller may use the same one.
      const theirs = idempotencyRecord("caller-b", "key-1", { status: 409 });
      await store.recordIssuance({ ...issuance().request, idempotency: theirs });
      expect(await store.findIdempotencyRecord("caller-b", "key-1")).toEqual(theirs);
      expect(await store.findIdempotencyRecord("caller-a", "key-1")).toEqual(record);
    });

    it("an event records its audit entry and its key; the key again fails and writes nothing", async ({
      store,
    }) => {
      const first = event("first");
      await store.recordEvent(first);
      expect(await store.findIdempotencyRecord(first.idempotency.caller, first.idempotency.key)).toEqual(
        first.idempotency,
      );
      const again = event("again", { ...first.idempotency, fingerprint: "another request" });
      await expect(
        store.recordEvent(again),
        `${RULE}: a second event under a key must fail`,
      ).rejects.toThrow();
      const audit = await store.listAudit({ limit: 1000 });
      expect(audit.filter((entry) => sameEvent(entry, first.audit))).toHaveLength(1);
      expect(
        audit.filter((entry) => sameEvent(entry, again.audit)),
        `${RULE}: the refused event was audited`,
      ).toEqual([]);
      expect(await store.findIdempotencyRecord(first.idempotency.caller, first.idempotency.key)).toEqual(
        first.idempotency,
      );
    });

    it("an event whose audit entry cannot be written leaves no idempotency record", async ({ store }) => {
      const failing = event("failing");
      failing.audit = { ...failing.audit, at: new Date(Number.NaN) };
      await expect(store.recordEvent(failing)).rejects.toThrow();
      expect(
        await store.findIdempotencyRecord(failing.idempotency.caller, failing.idempotency.key),
        "a failed transaction writes nothing: the event's idempotency record must roll back",
      ).toBeUndefined();
    });

    it("a key taken by an event refuses an issuance, and one taken by an issuance refuses an event", async ({
      store,
    }) => {
      const minted = event("minted");
      await store.recordEvent(minted);
      const issuing = issuance({ idempotency: minted.idempotency });
      await expect(store.recordIssuance(issuing.request), `${RULE}: the key is taken`).rejects.toThrow();
      expect(
        await traces(store, issuing.request, issuing),
        `${RULE}: the refused issuance wrote something`,
      ).toEqual([]);
      const issued = issuance();
      await store.recordIssuance(issued.request);
      const taken = issued.request.idempotency ?? idempotencyRecord("unused", "unused");
      const eventAfter = event("after", { ...taken, fingerprint: "another request" });
      await expect(store.recordEvent(eventAfter), `${RULE}: the key is taken`).rejects.toThrow();
      expect(
        (await store.listAudit({ limit: 1000 })).some((entry) => sameEvent(entry, eventAfter.audit)),
      ).toBe(false);
    });

    it(`${RACERS} concurrent issuances under one key: one commits, the others write nothing`, async ({
      store,
      race,
    }) => {
      const attempts = issuanceAttempts(RACERS, {
        idempotency: idempotencyRecord("caller", `key-${randomUUID()}`),
      });
      const outcomes = await race(
        "recordIssuance",
        attempts.map((attempt) => [attempt.request]),
      );
      await expectOneWinner(RULE, store, attempts, outcomes);
    });

    it(`${RACERS} concurrent events under one key: one is recorded and audited, the others nothing`, async ({
      store,
      race,
    }) => {
      const key = idempotencyRecord("caller", `key-${randomUUID()}`);
      const events = Array.from({ length: RACERS }, (_, index) =>
        event(`attempt-${index}`, { ...key, fingerprint: `attempt-${index}` }),
      );
      const outcomes = await race(
        "recordEvent",
        events.map((request) => [request]),
      );
      const committed = events.filter((_, index) => outcomes[index]?.ok);
      expect(
        committed,
        `${RULE}: exactly one concurrent event may commit (${summary(outcomes)})`,
      ).toHaveLength(1);
      const stored = await store.findIdempotencyRecord(key.caller, key.key);
      expect(stored?.fingerprint, `${RULE}: the record kept must be the committed event's`).toBe(
        committed[0]?.idempotency.fingerprint,
      );
      const audit = await store.listAudit({ limit: 1000 });
      expect(
        events.filter((request) => audit.some((entry) => sameEvent(entry, request.audit))),
        `${RULE}: only the committed event may be audited`,
      ).toEqual(committed);
    });
  });
}

import { describe, expect } from "vitest";
import type { ContractTest } from "./contract.js";
import { consumedToken, idempotencyRecord, issuance } from "./records.js";

const RULE = "purging forgets only what is past its boundary";

const BOUNDARY = new Date("2026-03-01T00:00:00.000Z");
const at = (milliseconds: number) => new Date(BOUNDARY.getTime() + milliseconds);

/** `purgeExpired`: idempotency records created before, used tokens expired before, the boundary. */
export function purgeRules(it: ContractTest): void {
  describe(`rule: ${RULE}`, () => {
    it("forgets idempotency records and used tokens strictly before the boundary, nothing else", async ({
      store,
    }) => {
      const offsets = { before: -1, at: 0, after: 1 } as const;
      const issuances = Object.entries(offsets).map(([when, offset]) =>
        issuance({
          consumeToken: consumedToken(`token-${when}`, at(offset)),
          idempotency: idempotencyRecord("caller", `key-${when}`, { createdAt: at(offset) }),
        }),
      );
      for (const { request } of issuances) await store.recordIssuance(request);
      const audit = await store.listAudit({ limit: 1000 });
      await store.purgeExpired({ idempotencyCreatedBefore: BOUNDARY, tokensExpiredBefore: BOUNDARY });
      const kept = async (when: string) => ({
        idempotency: (await store.findIdempotencyRecord("caller", `key-${when}`)) !== undefined,
        token: await store.isTokenUsed(`token-${when}`),
      });
      expect(await kept("before"), `${RULE}: what is before the boundary goes`).toEqual({
        idempotency: false,
        token: false,
      });
      expect(await kept("at"), `${RULE}: what is at the boundary stays`).toEqual({
        idempotency: true,
        token: true,
      });
      expect(await kept("after")).toEqual({ idempotency: true, token: true });
      for (const { request } of issuances) {
        expect(await store.findBySerialNumber(request.certificate.serialNumber)).toEqual(request.certificate);
      }
      expect(await store.listAudit({ limit: 1000 }), "purging never touches the audit log").toEqual(audit);
    });

    it("purges the two kinds by their own boundaries", async ({ store }) => {
      const { request } = issuance({
        consumeToken: consumedToken("token-old", at(-1)),
        idempotency: idempotencyRecord("caller", "key-old", { createdAt: at(-1) }),
      });
      await store.recordIssuance(request);
      await store.purgeExpired({ idempotencyCreatedBefore: at(-1), tokensExpiredBefore: BOUNDARY });
      expect(await store.findIdempotencyRecord("caller", "key-old")).toBeDefined();
      expect(await store.isTokenUsed("token-old")).toBe(false);
      await store.purgeExpired({ idempotencyCreatedBefore: BOUNDARY, tokensExpiredBefore: at(-1) });
      expect(await store.findIdempotencyRecord("caller", "key-old")).toBeUndefined();
    });
  });
}

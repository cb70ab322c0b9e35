import { describe, expect } from "vitest";
import type { AuditEvent } from "../../../src/ports/certificate-store.js";
import type {
  BlockEstDeviceRequest,
  EstDeviceBlockRecord,
  UnblockEstDeviceRequest,
} from "../../../src/ports/est-credential-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneChange, summary } from "./one-winner.js";
import { audited } from "./records.js";

const ONE_BLOCK = "a device has one EST block, whatever the case of its ID";
const LIFTED_ONCE = "lifting a block removes it once";
const LISTED = "EST blocks are listed newest first";

const BLOCKED_AT = new Date("2026-02-01T00:00:00.000Z");
const at = (milliseconds: number) => new Date(BLOCKED_AT.getTime() + milliseconds);

/** A block with its audit entry, which names who blocked: it tells whose entry was kept. */
function blocking(deviceId: string, by = "token:local-admin", overrides: Partial<EstDeviceBlockRecord> = {}) {
  const block: EstDeviceBlockRecord = {
    deviceId,
    reason: "stolen from line 7",
    blockedAt: BLOCKED_AT,
    blockedBy: by,
    ...overrides,
  };
  const audit: AuditEvent = {
    at: block.blockedAt,
    actor: by,
    action: "est-device.block",
    target: deviceId,
    outcome: "success",
    details: { by },
  };
  return { block, audit } satisfies BlockEstDeviceRequest;
}

/** What the store audits for a lift: the request's entry, naming the block it lifted. */
function liftAudit(lift: UnblockEstDeviceRequest, block: EstDeviceBlockRecord): AuditEvent {
  return {
    ...lift.audit,
    target: block.deviceId,
    details: {
      ...lift.audit.details,
      reason: block.reason,
      blockedAt: block.blockedAt.toISOString(),
      blockedBy: block.blockedBy,
    },
  };
}

function unblocking(deviceId: string, by = "token:local-admin"): UnblockEstDeviceRequest {
  return {
    deviceId,
    audit: {
      at: at(60_000),
      actor: by,
      action: "est-device.unblock",
      target: deviceId,
      outcome: "success",
      details: { by },
    },
  };
}

/**
 * Devices blocked from EST: `blockEstDevice` (one block per device in any case, recorded with its
 * audit entry), `findEstDeviceBlock`, `unblockEstDevice` (once, audited) and `listEstDeviceBlocks`.
 */
export function estDeviceBlockRules(it: ContractTest): void {
  describe(`rule: ${ONE_BLOCK}`, () => {
    it("records a block with its audit entry and finds it by the device ID in any case", async ({
      store,
    }) => {
      const request = blocking("Line7-0001");
      expect(await store.blockEstDevice(request)).toEqual({ record: request.block, changed: true });
      for (const spelling of ["Line7-0001", "line7-0001", "LINE7-0001"]) {
        expect(await store.findEstDeviceBlock(spelling), `${ONE_BLOCK}: ${spelling} finds it`).toEqual(
          request.block,
        );
      }
      expect(await store.findEstDeviceBlock("line7-0002")).toBeUndefined();
      expect(await audited(store, [request.audit]), "the block is audited in the same transaction").toEqual([
        request.audit,
      ]);
    });

    it("blocking a blocked device in another case keeps the first block, and audits nothing", async ({
      store,
    }) => {
      const first = blocking("line7-0003");
      await store.blockEstDevice(first);
      const second = blocking("LINE7-0003", "token:second-admin", { reason: null, blockedAt: at(1_000) });
      expect(await store.blockEstDevice(second), `${ONE_BLOCK}: the first block stays`).toEqual({
        record: first.block,
        changed: false,
      });
      expect(await audited(store, [first.audit, second.audit]), `${ONE_BLOCK}: audited once`).toEqual([
        first.audit,
      ]);
    });

    it(`${RACERS} concurrent blocks of one device: exactly one records it, all answer with it`, async ({
      store,
      race,
    }) => {
      const requests = Array.from({ length: RACERS }, (_, index) =>
        blocking(index % 2 === 0 ? "racing-device" : "RACING-DEVICE", `token:admin-${index}`),
      );
      const outcomes = await race(
        "blockEstDevice",
        requests.map((request) => [request]),
      );
      const now = await store.findEstDeviceBlock("racing-device");
      const winner = expectOneChange(ONE_BLOCK, "block", requests, outcomes, now);
      expect(now).toEqual(winner.block);
      expect(
        await audited(
          store,
          requests.map((request) => request.audit),
        ),
        `${ONE_BLOCK}: only the block that recorded may be audited`,
      ).toEqual([winner.audit]);
    });
  });

  describe(`rule: ${LIFTED_ONCE}`, () => {
    it("lifts a block (any case) with its audit entry; again: undefined, nothing audited", async ({
      store,
    }) => {
      const block = blocking("line7-0004");
      await store.blockEstDevice(block);
      const lift = unblocking("LINE7-0004");
      expect(await store.unblockEstDevice(lift)).toEqual(block.block);
      expect(await store.findEstDeviceBlock("line7-0004")).toBeUndefined();
      const again = unblocking("line7-0004", "token:second-admin");
      expect(await store.unblockEstDevice(again), `${LIFTED_ONCE}: nothing left to lift`).toBeUndefined();
      expect(
        await audited(store, [liftAudit(lift, block.block), liftAudit(again, block.block)]),
        `${LIFTED_ONCE}: audited once, naming the block as it was (its ID as blocked, why, when, by whom)`,
      ).toEqual([liftAudit(lift, block.block)]);
      const reblock = blocking("line7-0004", "token:local-admin", { blockedAt: at(120_000) });
      expect(await store.blockEstDevice(reblock), "a lifted block may be put back").toEqual({
        record: reblock.block,
        changed: true,
      });
    });

    it(`${RACERS} concurrent lifts of one block: exactly one lifts it, audited once`, async ({
      store,
      race,
    }) => {
      const block = blocking("lift-race");
      await store.blockEstDevice(block);
      const requests = Array.from({ length: RACERS }, (_, index) =>
        unblocking("lift-race", `token:admin-${index}`),
      );
      const outcomes = await race(
        "unblockEstDevice",
        requests.map((request) => [request]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${LIFTED_ONCE}: lifts must not fail (${summary(outcomes)})`,
      ).toEqual([]);
      const lifted = outcomes.filter((outcome) => outcome.ok && outcome.value !== undefined);
      expect(lifted, `${LIFTED_ONCE}: exactly one of ${RACERS} concurrent lifts may lift it`).toHaveLength(1);
      expect(lifted[0]?.ok && lifted[0].value).toEqual(block.block);
      expect(
        await audited(
          store,
          requests.map((request) => liftAudit(request, block.block)),
        ),
        `${LIFTED_ONCE}: only the lift that removed it may be audited`,
      ).toHaveLength(1);
    });
  });

  describe(`rule: ${LISTED}`, () => {
    it("lists blocks newest first, limited", async ({ store }) => {
      const blocks = [2, 0, 3, 1].map(
        (hour) => blocking(`listed-${hour}`, "token:local-admin", { blockedAt: at(hour * 3_600_000) }).block,
      );
      for (const block of blocks) await store.blockEstDevice({ ...blocking(block.deviceId), block });
      const newestFirst = [...blocks].sort((a, b) => b.blockedAt.getTime() - a.blockedAt.getTime());
      expect(await store.listEstDeviceBlocks({ limit: 10 }), LISTED).toEqual(newestFirst);
      expect(await store.listEstDeviceBlocks({ limit: 2 }), `${LISTED}, at most the limit`).toEqual(
        newestFirst.slice(0, 2),
      );
    });

    it("pages through blocks of one instant and of several, each once, in the order listed", async ({
      store,
    }) => {
      // Three blocked at one instant (ordered by device ID), two later: pages must not skip or repeat.
      const sameInstant = ["paged-c", "PAGED-A", "paged-b"].map(
        (deviceId) => blocking(deviceId, "token:local-admin", { blockedAt: at(0) }).block,
      );
      const later = [1, 2].map(
        (hour) =>
          blocking(`paged-later-${hour}`, "token:local-admin", { blockedAt: at(hour * 3_600_000) }).block,
      );
      for (const block of [...sameInstant, ...later])
        await store.blockEstDevice({ ...blocking(block.deviceId), block });
      const expected = [later[1], later[0], sameInstant[1], sameInstant[2], sameInstant[0]];
      const seen: EstDeviceBlockRecord[] = [];
      let after: EstDeviceBlockRecord | undefined;
      for (let page = 0; page < 10; page++) {
        const items = await store.listEstDeviceBlocks({ limit: 2, after });
        seen.push(...items);
        after = items.at(-1);
        if (items.length < 2) break;
      }
      expect(seen, `${LISTED}: every block once, newest first, then by device ID`).toEqual(expected);
    });
  });
}

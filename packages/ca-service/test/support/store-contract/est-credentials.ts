import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import type {
  EstCredentialRecord,
  RecordEstCredentialRequest,
  RevokeEstCredentialRequest,
  StoredEstCredential,
} from "../../../src/ports/est-credential-store.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneChange, summary } from "./one-winner.js";
import { audited } from "./records.js";

const ONE_NAME = "a username names one EST credential, whatever its case";
const NO_PASSWORD = "an EST credential is listed without its hash";
const REVOKED_ONCE = "an EST credential revocation changes it once";
const REFUSED = "revoked EST credentials are refused until they expire";
const LISTED = "EST credentials are listed newest first";

const CREATED_AT = new Date("2026-01-01T00:00:00.000Z");
const REVOKED_AT = new Date("2026-01-01T06:00:00.000Z");
const at = (base: Date, milliseconds: number) => new Date(base.getTime() + milliseconds);

/** A credential as recorded: its own id, a fleet prefix, no expiry, a hash that is only a stand-in. */
function credential(username: string, overrides: Partial<StoredEstCredential> = {}): StoredEstCredential {
  return {
    id: randomUUID(),
    username,
    passwordHash: `scrypt$stand-in-for-${username}`,
    devicePrefix: "line7-",
    deviceId: null,
    createdAt: CREATED_AT,
    createdBy: "token:local-admin",
    expiresAt: null,
    revokedAt: null,
    revokedBy: null,
    ...overrides,
  };
}

/** A creation with its audit entry, which names the credential: it tells whose entry was kept. */
function creation(stored: StoredEstCredential): RecordEstCredentialRequest {
  return {
    credential: stored,
    audit: {
      at: stored.createdAt,
      actor: stored.createdBy,
      action: "est-credential.create",
      target: `est:${stored.username}`,
      outcome: "success",
      details: { id: stored.id },
    },
  };
}

function revocation(id: string, by = "token:local-admin"): RevokeEstCredentialRequest {
  return {
    id,
    at: REVOKED_AT,
    by,
    // The details name who revoked: they tell whose entry was kept.
    audit: {
      at: REVOKED_AT,
      actor: by,
      action: "est-credential.revoke",
      target: id,
      outcome: "success",
      details: { by },
    },
  };
}

function withoutHash(stored: StoredEstCredential): EstCredentialRecord {
  const { passwordHash: _hash, ...record } = stored;
  return record;
}

/**
 * The EST credential registry: `recordEstCredential` (one credential per username in any case,
 * recorded with its audit entry), `findEstCredential`, `listEstCredentials` (never a hash),
 * `revokeEstCredential` (one change, audited once) and `listRevokedEstCredentialIds`.
 */
export function estCredentialRules(it: ContractTest): void {
  describe(`rule: ${ONE_NAME}`, () => {
    it("records a credential with its audit entry; finds it by its username in any case", async ({
      store,
    }) => {
      const stored = credential("Fleet-A", { expiresAt: at(CREATED_AT, 86_400_000) });
      const request = creation(stored);
      expect(await store.recordEstCredential(request)).toEqual({ recorded: true });
      expect(await store.findEstCredential("Fleet-A")).toEqual(stored);
      expect(await store.findEstCredential("fleet-a"), `${ONE_NAME}: lower case finds it`).toEqual(stored);
      expect(await store.findEstCredential("FLEET-A"), `${ONE_NAME}: upper case finds it`).toEqual(stored);
      expect(await store.findEstCredential("fleet-b")).toBeUndefined();
      expect(
        await audited(store, [request.audit]),
        "the creation is audited in the same transaction",
      ).toEqual([request.audit]);
    });

    it("a second credential with the username in another case is refused with the first, and writes nothing", async ({
      store,
    }) => {
      const first = credential("fleet-c");
      await store.recordEstCredential(creation(first));
      const second = creation(credential("FLEET-C", { deviceId: "dev-1", devicePrefix: null }));
      expect(await store.recordEstCredential(second), `${ONE_NAME}: the name is taken`).toEqual({
        recorded: false,
        holder: withoutHash(first),
      });
      expect(await store.listEstCredentials({ limit: 10 }), `${ONE_NAME}: nothing recorded`).toEqual([
        withoutHash(first),
      ]);
      expect(await audited(store, [second.audit]), `${ONE_NAME}: nor audited`).toEqual([]);
    });

    it("a revoked credential keeps its name: it is never reused", async ({ store }) => {
      const revoked = credential("fleet-d");
      await store.recordEstCredential(creation(revoked));
      await store.revokeEstCredential(revocation(revoked.id));
      const again = creation(credential("fleet-d", { createdAt: at(REVOKED_AT, 1) }));
      expect(await store.recordEstCredential(again)).toMatchObject({ recorded: false });
    });

    it(`${RACERS} concurrent creations of one username: exactly one records, the others are refused with it`, async ({
      store,
      race,
    }) => {
      const requests = Array.from({ length: RACERS }, (_, index) =>
        creation(credential(index % 2 === 0 ? "racing-fleet" : "RACING-FLEET")),
      );
      const outcomes = await race(
        "recordEstCredential",
        requests.map((request) => [request]),
      );
      expect(
        outcomes.filter((outcome) => !outcome.ok),
        `${ONE_NAME}: a refused creation is an answer, not an error (${summary(outcomes)})`,
      ).toEqual([]);
      const recorded = requests.filter((_, index) => {
        const outcome = outcomes[index];
        return outcome?.ok === true && outcome.value.recorded;
      });
      expect(recorded, `${ONE_NAME}: exactly one of ${RACERS} concurrent creations may record`).toHaveLength(
        1,
      );
      const winner = (recorded[0] as RecordEstCredentialRequest).credential;
      for (const [index, outcome] of outcomes.entries()) {
        if (requests[index]?.credential === winner) continue;
        expect(outcome.ok && outcome.value, `${ONE_NAME}: a refused creation names the holder`).toEqual({
          recorded: false,
          holder: withoutHash(winner),
        });
      }
      expect(await store.listEstCredentials({ limit: 100 })).toEqual([withoutHash(winner)]);
      expect(
        await audited(
          store,
          requests.map((request) => request.audit),
        ),
        `${ONE_NAME}: only the creation that recorded may be audited`,
      ).toEqual([creation(winner).audit]);
    });
  });

  describe(`rule: ${NO_PASSWORD}`, () => {
    it("lists every field but the hash; a device-bound credential keeps its device ID", async ({ store }) => {
      const bound = credential("dev-bound", { devicePrefix: null, deviceId: "Line7-0001" });
      await store.recordEstCredential(creation(bound));
      const [listed] = await store.listEstCredentials({ limit: 10 });
      expect(listed, NO_PASSWORD).toEqual(withoutHash(bound));
      expect(Object.keys(listed ?? {}), NO_PASSWORD).not.toContain("passwordHash");
    });
  });

  describe(`rule: ${REVOKED_ONCE}`, () => {
    it("revokes a live credential: the record, one audit entry; again changes nothing", async ({ store }) => {
      const stored = credential("leaked-fleet");
      await store.recordEstCredential(creation(stored));
      const first = revocation(stored.id);
      const revoked = { ...withoutHash(stored), revokedAt: REVOKED_AT, revokedBy: "token:local-admin" };
      expect(await store.revokeEstCredential(first)).toEqual({ record: revoked, changed: true });
      expect((await store.findEstCredential("leaked-fleet"))?.revokedAt).toEqual(REVOKED_AT);
      const again = { ...revocation(stored.id, "token:second-admin"), at: at(REVOKED_AT, 60_000) };
      expect(await store.revokeEstCredential(again), `${REVOKED_ONCE}: the first revocation stays`).toEqual({
        record: revoked,
        changed: false,
      });
      expect(await audited(store, [first.audit, again.audit]), `${REVOKED_ONCE}: audited once`).toEqual([
        first.audit,
      ]);
    });

    it("an unknown id: undefined, nothing audited", async ({ store }) => {
      const unknown = revocation("no-such-credential");
      expect(await store.revokeEstCredential(unknown)).toBeUndefined();
      expect(await audited(store, [unknown.audit])).toEqual([]);
    });

    it(`${RACERS} concurrent revocations of one credential: exactly one changes it, audited once`, async ({
      store,
      race,
    }) => {
      const stored = credential("revocation-race");
      await store.recordEstCredential(creation(stored));
      const requests = Array.from({ length: RACERS }, (_, index) =>
        revocation(stored.id, `token:admin-${index}`),
      );
      const outcomes = await race(
        "revokeEstCredential",
        requests.map((request) => [request]),
      );
      const [now] = await store.listEstCredentials({ limit: 10 });
      const winner = expectOneChange(REVOKED_ONCE, "credential", requests, outcomes, now);
      expect(now).toEqual({ ...withoutHash(stored), revokedAt: REVOKED_AT, revokedBy: winner.by });
      expect(
        await audited(
          store,
          requests.map((request) => request.audit),
        ),
        `${REVOKED_ONCE}: only the revocation that changed it may be audited`,
      ).toEqual([winner.audit]);
    });
  });

  describe(`rule: ${REFUSED}`, () => {
    it("lists the ids of revoked credentials that have not expired (or never do), and no other", async ({
      store,
    }) => {
      const expiresAt = at(REVOKED_AT, 3_600_000);
      const credentials = {
        live: credential("live-fleet"),
        revoked: credential("revoked-fleet"),
        expiring: credential("revoked-expiring", { expiresAt }),
      };
      for (const each of Object.values(credentials)) await store.recordEstCredential(creation(each));
      for (const each of [credentials.revoked, credentials.expiring]) {
        await store.revokeEstCredential(revocation(each.id));
      }
      const listed = async (unexpiredAt: Date) =>
        (await store.listRevokedEstCredentialIds({ unexpiredAt })).sort();
      expect(await listed(at(expiresAt, -1)), `${REFUSED}: revoked and unexpired`).toEqual(
        [credentials.revoked.id, credentials.expiring.id].sort(),
      );
      expect(await listed(expiresAt), `${REFUSED}: at its expiresAt it is refused anyway`).toEqual([
        credentials.revoked.id,
      ]);
    });
  });

  describe(`rule: ${LISTED}`, () => {
    it("lists recorded credentials newest first, limited", async ({ store }) => {
      const credentials = [2, 0, 3, 1].map((hour) =>
        credential(`listed-${hour}`, { createdAt: at(CREATED_AT, hour * 3_600_000) }),
      );
      for (const each of credentials) await store.recordEstCredential(creation(each));
      const newestFirst = [...credentials]
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map(withoutHash);
      expect(await store.listEstCredentials({ limit: 10 }), LISTED).toEqual(newestFirst);
      expect(await store.listEstCredentials({ limit: 2 }), `${LISTED}, at most the limit`).toEqual(
        newestFirst.slice(0, 2),
      );
    });
  });
}

import { randomUUID } from "node:crypto";
import { describe, expect } from "vitest";
import type {
  ApiTokenRecord,
  CertificateStore,
  RecordTokenMintRequest,
  RevokeTokenRequest,
  TokenMintOutcome,
} from "../../../src/ports/certificate-store.js";
import type { RaceOutcome } from "../store-replicas.js";
import { type ContractTest, RACERS } from "./contract.js";
import { expectOneChange } from "./one-winner.js";
import { audited } from "./records.js";

const ONE_LIVE_TOKEN = "a subject holds one live token";
const REVOKED_ONCE = "a token revocation changes a token once";
const REFUSED = "revoked tokens are refused until they expire";
const LISTED = "tokens are listed newest first";
const RATE_LIMITED = "a token keeps the rate limit it was minted with";

const MINTED_AT = new Date("2026-01-01T00:00:00.000Z");
const EXPIRES_AT = new Date("2026-01-02T00:00:00.000Z");
const at = (base: Date, milliseconds: number) => new Date(base.getTime() + milliseconds);

/** A minted token as recorded (never the token itself): its own id, live, for a day. */
function apiToken(subject: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    tokenId: randomUUID(),
    subject,
    roles: ["issuer"],
    devicePrefix: `${subject}-`,
    rateLimitPerMinute: null,
    mintedAt: MINTED_AT,
    mintedBy: "edge-pki-ca token create",
    expiresAt: EXPIRES_AT,
    revokedAt: null,
    revokedBy: null,
    ...overrides,
  };
}

/** A mint of `token` with its audit entry, which names the token: it tells whose entry was kept. */
function mint(token: ApiTokenRecord): RecordTokenMintRequest {
  return {
    token,
    audit: {
      at: token.mintedAt,
      actor: token.mintedBy,
      action: "token.create",
      target: `token:${token.subject}`,
      outcome: "success",
      details: { tokenId: token.tokenId, roles: token.roles },
    },
  };
}

const REVOKED_AT = new Date("2026-01-01T06:00:00.000Z");

function tokenRevocation(tokenId: string, by = "token:local-admin"): RevokeTokenRequest {
  return {
    tokenId,
    at: REVOKED_AT,
    by,
    audit: {
      at: REVOKED_AT,
      actor: by,
      action: "token.revoke",
      target: tokenId,
      outcome: "success",
      details: { by },
    },
  };
}

/** The recorded tokens of one subject. */
async function tokensOf(store: CertificateStore, subject: string): Promise<ApiTokenRecord[]> {
  return (await store.listApiTokens({ limit: 100_000 })).filter((token) => token.subject === subject);
}

const outcomesInLine = (outcomes: RaceOutcome<"recordTokenMint">[]) =>
  outcomes
    .map((outcome) =>
      outcome.ok
        ? outcome.value.recorded
          ? "recorded"
          : `refused (held by ${outcome.value.holder.tokenId})`
        : `failed (${outcome.error})`,
    )
    .join(", ");

/** When racing mints come: after every revocation here, at the expiry of a token minted at MINTED_AT. */
const RACE_AT = EXPIRES_AT;

/** What a subject had before racing mints come: nothing, a token that has just expired, a revoked one. */
const HOLDERS: Record<string, (store: CertificateStore, subject: string) => Promise<void>> = {
  "a new subject": async () => {},
  "a subject whose token has expired": async (store, subject) => {
    await store.recordTokenMint(mint(apiToken(subject)));
  },
  "a subject whose token was revoked": async (store, subject) => {
    const held = apiToken(subject, { expiresAt: at(RACE_AT, 3_600_000) });
    await store.recordTokenMint(mint(held));
    await store.revokeApiToken(tokenRevocation(held.tokenId));
  },
};

/**
 * The API token registry: `recordTokenMint` (one live token per subject, recorded with its audit
 * entry), `revokeApiToken` (one change, audited once), `listRevokedTokenIds` and `listApiTokens`.
 */
export function apiTokenRules(it: ContractTest): void {
  describe(`rule: ${ONE_LIVE_TOKEN}`, () => {
    it("records a minted token with its audit entry and reads it back exactly", async ({ store }) => {
      const token = apiToken("line-1");
      const request = mint(token);
      expect(await store.recordTokenMint(request)).toEqual({ recorded: true });
      expect(await store.listApiTokens({ limit: 10 })).toEqual([token]);
      expect(await audited(store, [request.audit]), "the mint is audited in the same transaction").toEqual([
        request.audit,
      ]);
    });

    it("a second mint for a subject whose token is live is refused with that token, and writes nothing", async ({
      store,
    }) => {
      const held = apiToken("line-2");
      await store.recordTokenMint(mint(held));
      const second = mint(apiToken("line-2", { mintedAt: at(MINTED_AT, 60_000), roles: ["admin"] }));
      expect(
        await store.recordTokenMint(second),
        `${ONE_LIVE_TOKEN}: a live token holds its subject`,
      ).toEqual({ recorded: false, holder: held });
      expect(await tokensOf(store, "line-2"), `${ONE_LIVE_TOKEN}: the refused token is not recorded`).toEqual(
        [held],
      );
      expect(await audited(store, [second.audit]), `${ONE_LIVE_TOKEN}: nor audited`).toEqual([]);
      // Another subject is another identity.
      expect(await store.recordTokenMint(mint(apiToken("line-3")))).toEqual({ recorded: true });
    });

    it("an expired token no longer holds its subject: free at its expiresAt, not a millisecond before", async ({
      store,
    }) => {
      const expiring = apiToken("line-4");
      await store.recordTokenMint(mint(expiring));
      const early = mint(
        apiToken("line-4", { mintedAt: at(EXPIRES_AT, -1), expiresAt: at(EXPIRES_AT, 3_600_000) }),
      );
      expect(
        await store.recordTokenMint(early),
        `${ONE_LIVE_TOKEN}: a token holds its subject until it expires`,
      ).toEqual({ recorded: false, holder: expiring });
      const next = apiToken("line-4", { mintedAt: EXPIRES_AT, expiresAt: at(EXPIRES_AT, 3_600_000) });
      expect(
        await store.recordTokenMint(mint(next)),
        `${ONE_LIVE_TOKEN}: an expired token no longer holds its subject`,
      ).toEqual({ recorded: true });
      expect(await tokensOf(store, "line-4"), "the expired token stays on record").toEqual([next, expiring]);
      // The new token holds the subject now.
      expect(await store.recordTokenMint(mint(apiToken("line-4", { mintedAt: at(EXPIRES_AT, 1) })))).toEqual({
        recorded: false,
        holder: next,
      });
    });

    it("a revoked token no longer holds its subject", async ({ store }) => {
      const revoked = apiToken("line-5");
      await store.recordTokenMint(mint(revoked));
      await store.revokeApiToken(tokenRevocation(revoked.tokenId));
      const next = apiToken("line-5", { mintedAt: at(REVOKED_AT, 1) });
      expect(
        await store.recordTokenMint(mint(next)),
        `${ONE_LIVE_TOKEN}: a revoked token no longer holds its subject`,
      ).toEqual({ recorded: true });
      expect((await tokensOf(store, "line-5")).map((token) => token.tokenId)).toEqual([
        next.tokenId,
        revoked.tokenId,
      ]);
    });

    for (const [before, holdBy] of Object.entries(HOLDERS)) {
      it(`${RACERS} concurrent mints for ${before}: exactly one records, the others are refused with it`, async ({
        store,
        race,
      }) => {
        const subject = `racing-${randomUUID()}`;
        await holdBy(store, subject);
        const earlier = await tokensOf(store, subject);
        const requests = Array.from({ length: RACERS }, () =>
          mint(apiToken(subject, { mintedAt: RACE_AT, expiresAt: at(RACE_AT, 3_600_000) })),
        );
        const outcomes = await race(
          "recordTokenMint",
          requests.map((request) => [request]),
        );
        expect(
          outcomes.filter((outcome) => !outcome.ok),
          `${ONE_LIVE_TOKEN}: a refused mint is an answer, not an error (${outcomesInLine(outcomes)})`,
        ).toEqual([]);
        const recorded = requests.filter((_, index) => {
          const outcome = outcomes[index];
          return outcome?.ok === true && outcome.value.recorded;
        });
        expect(
          recorded,
          `${ONE_LIVE_TOKEN}: exactly one of ${RACERS} concurrent mints may record (${outcomesInLine(outcomes)})`,
        ).toHaveLength(1);
        const winner = (recorded[0] as RecordTokenMintRequest).token;
        for (const [index, outcome] of outcomes.entries()) {
          if (requests[index]?.token === winner) continue;
          expect(
            outcome.ok && outcome.value,
            `${ONE_LIVE_TOKEN}: a refused mint names the token that holds the subject`,
          ).toEqual({ recorded: false, holder: winner } satisfies TokenMintOutcome);
        }
        expect(
          (await tokensOf(store, subject)).filter(
            (token) => !earlier.some((each) => each.tokenId === token.tokenId),
          ),
          `${ONE_LIVE_TOKEN}: only the mint that recorded may leave a token`,
        ).toEqual([winner]);
        expect(
          await audited(
            store,
            requests.map((request) => request.audit),
          ),
          `${ONE_LIVE_TOKEN}: only the mint that recorded may be audited`,
        ).toEqual([mint(winner).audit]);
      });
    }

    it(`${RACERS} concurrent mints for ${RACERS} subjects: every one records`, async ({ store, race }) => {
      const requests = Array.from({ length: RACERS }, (_, index) => mint(apiToken(`subject-${index}`)));
      const outcomes = await race(
        "recordTokenMint",
        requests.map((request) => [request]),
      );
      expect(
        outcomes,
        `${ONE_LIVE_TOKEN}: mints for different subjects must not stand in each other's way (${outcomesInLine(outcomes)})`,
      ).toEqual(requests.map(() => ({ ok: true, value: { recorded: true } })));
      expect(await store.listApiTokens({ limit: 100 })).toHaveLength(RACERS);
    });
  });

  describe(`rule: ${RATE_LIMITED}`, () => {
    it("records a token's own rate limit, the largest one too, and none for the default; revoking keeps it", async ({
      store,
    }) => {
      const capped = apiToken("capped-line", { rateLimitPerMinute: 120 });
      const largest = apiToken("bulk-line", { rateLimitPerMinute: 1_000_000, mintedAt: at(MINTED_AT, 1) });
      const unlimited = apiToken("default-line", { mintedAt: at(MINTED_AT, 2) });
      for (const token of [capped, largest, unlimited]) await store.recordTokenMint(mint(token));
      const listed = await store.listApiTokens({ limit: 100 });
      for (const token of [capped, largest, unlimited]) {
        expect(
          listed.find((each) => each.tokenId === token.tokenId),
          `${RATE_LIMITED}: ${token.subject} reads back as minted`,
        ).toEqual(token);
      }
      const revoked = await store.revokeApiToken(tokenRevocation(capped.tokenId));
      expect(revoked?.record.rateLimitPerMinute, `${RATE_LIMITED}: also once revoked`).toBe(120);
    });
  });

  describe(`rule: ${REVOKED_ONCE}`, () => {
    it("revokes a live token: the record, one audit entry", async ({ store }) => {
      const token = apiToken("leaked");
      await store.recordTokenMint(mint(token));
      const request = tokenRevocation(token.tokenId);
      const revoked = { ...token, revokedAt: REVOKED_AT, revokedBy: "token:local-admin" };
      expect(await store.revokeApiToken(request)).toEqual({ record: revoked, changed: true });
      expect(await tokensOf(store, "leaked")).toEqual([revoked]);
      expect(await audited(store, [request.audit])).toEqual([request.audit]);
    });

    it("revoking again changes nothing: the first revocation stays, no audit entry", async ({ store }) => {
      const token = apiToken("revoked-twice");
      await store.recordTokenMint(mint(token));
      const first = await store.revokeApiToken(tokenRevocation(token.tokenId, "token:first-admin"));
      const again = { ...tokenRevocation(token.tokenId, "token:second-admin"), at: at(REVOKED_AT, 60_000) };
      const result = await store.revokeApiToken(again);
      expect(result, `${REVOKED_ONCE}: a revoked token must not be revoked again`).toEqual({
        record: first?.record,
        changed: false,
      });
      expect(result?.record).toMatchObject({ revokedAt: REVOKED_AT, revokedBy: "token:first-admin" });
      expect(
        await audited(store, [again.audit]),
        `${REVOKED_ONCE}: a revocation that changed nothing must not be audited`,
      ).toEqual([]);
    });

    it("an unknown token id: undefined, nothing audited", async ({ store }) => {
      const unknown = tokenRevocation("no-such-token");
      expect(await store.revokeApiToken(unknown)).toBeUndefined();
      expect(
        await audited(store, [unknown.audit]),
        `${REVOKED_ONCE}: a revocation that changed nothing must not be audited`,
      ).toEqual([]);
      expect(await store.listApiTokens({ limit: 10 })).toEqual([]);
    });

    it(`${RACERS} concurrent revocations of one token: exactly one changes it, audited once`, async ({
      store,
      race,
    }) => {
      const token = apiToken("revocation-race");
      await store.recordTokenMint(mint(token));
      const requests = Array.from({ length: RACERS }, (_, index) =>
        tokenRevocation(token.tokenId, `token:admin-${index}`),
      );
      const outcomes = await race(
        "revokeApiToken",
        requests.map((request) => [request]),
      );
      const [stored] = await tokensOf(store, "revocation-race");
      const winner = expectOneChange(REVOKED_ONCE, "token", requests, outcomes, stored);
      expect(stored, `${REVOKED_ONCE}: the record is the one revocation's that changed it`).toEqual({
        ...token,
        revokedAt: REVOKED_AT,
        revokedBy: winner.by,
      });
      expect(
        await audited(
          store,
          requests.map((request) => request.audit),
        ),
        `${REVOKED_ONCE}: only the revocation that changed the token may be audited`,
      ).toEqual([winner.audit]);
    });
  });

  describe(`rule: ${REFUSED}`, () => {
    it("lists the ids of revoked tokens that have not expired, and no other", async ({ store }) => {
      const tokens = {
        live: apiToken("live"),
        revoked: apiToken("revoked"),
        expiring: apiToken("revoked-expiring", { expiresAt: at(EXPIRES_AT, -3_600_000) }),
      };
      for (const token of Object.values(tokens)) await store.recordTokenMint(mint(token));
      for (const token of [tokens.revoked, tokens.expiring]) {
        await store.revokeApiToken(tokenRevocation(token.tokenId));
      }
      const listed = async (unexpiredAt: Date) => (await store.listRevokedTokenIds({ unexpiredAt })).sort();
      expect(await listed(at(tokens.expiring.expiresAt, -1)), `${REFUSED}: revoked and unexpired`).toEqual(
        [tokens.revoked.tokenId, tokens.expiring.tokenId].sort(),
      );
      expect(
        await listed(tokens.expiring.expiresAt),
        `${REFUSED}: at its expiresAt a token is refused anyway, so it leaves the list`,
      ).toEqual([tokens.revoked.tokenId]);
      expect(await listed(EXPIRES_AT)).toEqual([]);
    });
  });

  describe(`rule: ${LISTED}`, () => {
    it("lists recorded tokens newest first, limited", async ({ store }) => {
      // Recorded out of order: the list goes by mintedAt, not by when a row was written.
      const tokens = [2, 0, 3, 1].map((hour) =>
        apiToken(`listed-${hour}`, { mintedAt: at(MINTED_AT, hour * 3_600_000) }),
      );
      for (const token of tokens) await store.recordTokenMint(mint(token));
      const newestFirst = [...tokens].sort((a, b) => b.mintedAt.getTime() - a.mintedAt.getTime());
      expect(await store.listApiTokens({ limit: 10 }), `${LISTED}`).toEqual(newestFirst);
      expect(await store.listApiTokens({ limit: 2 }), `${LISTED}, at most the limit`).toEqual(
        newestFirst.slice(0, 2),
      );
    });
  });
}

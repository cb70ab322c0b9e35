import { randomUUID } from "node:crypto";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import { describe, expect } from "vitest";
import { migrationProvider, type SqlDialectName } from "../src/adapters/store/migrations.js";
import { openPostgresStore, openSqliteStore } from "../src/adapters/store/open-store.js";
import type { CertificateStore } from "../src/ports/certificate-store.js";
import { test } from "./support/fixtures.js";

/** A database as a release before device keys left it: migrated to 0004, with records in it. */
async function databaseAt0004(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(
    "0004_superseded_by",
  );
  if (error) throw error;
  for (const [serial, deviceId] of [
    ["0a", "Line7-Old"],
    ["0b", "LINE7-OLD"],
    ["0c", "other"],
  ]) {
    await sql`insert into certificates (serial_number, device_id, profile, subject, key_algorithm, not_before,
      not_after, status, der, sha256_fingerprint, issued_at, requester)
      values (${serial}, ${deviceId}, 'device', ${`CN=${deviceId}`}, 'ECDSA_P256', '2026-01-01T00:00:00.000Z',
      '2027-01-01T00:00:00.000Z', 'valid', ${new Uint8Array([0x30, 0])}, ${`fp-${serial}`},
      ${`2026-01-01T00:00:0${serial === "0a" ? 1 : 2}.000Z`}, 'old release')`.execute(db);
  }
  await db.destroy();
}

/** Audit entries of tokens minted before the registry: all it knew of them. */
async function tokensMintedAt0006(db: Kysely<unknown>, dialect: SqlDialectName): Promise<void> {
  const { error } = await new Migrator({ db, provider: migrationProvider(dialect) }).migrateTo(
    "0006_root_crl",
  );
  if (error) throw error;
  const minted = [
    { jti: "old-admin", subject: "local-admin", roles: ["admin"], expiresAt: "2099-01-01T00:00:00.000Z" },
    {
      jti: "line7-a",
      subject: "line7",
      roles: ["issuer"],
      expiresAt: "2099-01-01T00:00:00.000Z",
      devicePrefix: "line7-",
    },
    {
      jti: "line7-b",
      subject: "line7",
      roles: ["issuer"],
      expiresAt: "2099-06-01T00:00:00.000Z",
      devicePrefix: "line7-",
    },
    { jti: "gone", subject: "expired", roles: ["reader"], expiresAt: "2020-01-01T00:00:00.000Z" },
  ];
  for (const [index, token] of minted.entries()) {
    const details = JSON.stringify({
      tokenId: token.jti,
      roles: token.roles,
      expiresAt: token.expiresAt,
      ...(token.devicePrefix && { devicePrefix: token.devicePrefix }),
    });
    await sql`insert into audit_log (at, actor, action, target, outcome, details)
      values (${`2026-01-0${index + 1}T00:00:00.000Z`}, 'edge-pki-ca token create', 'token.create',
      ${`token:${token.subject}`}, 'success', ${details})`.execute(db);
  }
  await db.destroy();
}

async function expectTokensRecorded(store: CertificateStore) {
  try {
    const tokens = await store.listApiTokens({ limit: 10 });
    // Tokens minted before per-token rate limits (0009) have none: the service's default applies.
    expect(
      tokens.map((token) => [token.tokenId, token.subject, token.devicePrefix, token.rateLimitPerMinute]),
    ).toEqual([
      ["gone", "expired", null, null],
      ["line7-b", "line7", "line7-", null],
      ["line7-a", "line7", "line7-", null],
      ["old-admin", "local-admin", null, null],
    ]);
    // The newest live token of a subject holds it: another mint for line7 is refused.
    const outcome = await store.recordTokenMint({
      token: { ...(tokens[2] as (typeof tokens)[number]), tokenId: "line7-c", mintedAt: new Date() },
      audit: {
        at: new Date(),
        actor: "test",
        action: "token.create",
        target: "token:line7",
        outcome: "success",
      },
    });
    expect(outcome).toMatchObject({ recorded: false, holder: { tokenId: "line7-b" } });
    // Tokens minted before can be revoked like any other.
    expect(
      await store.revokeApiToken({
        tokenId: "old-admin",
        at: new Date(),
        by: "test",
        audit: {
          at: new Date(),
          actor: "test",
          action: "token.revoke",
          target: "old-admin",
          outcome: "success",
        },
      }),
    ).toMatchObject({ changed: true });
    expect(await store.listRevokedTokenIds({ unexpiredAt: new Date() })).toEqual(["old-admin"]);
  } finally {
    await store.close();
  }
}

async function expectMigrated(store: CertificateStore) {
  try {
    const found = await store.listByDevice("line7-old", { limit: 10 });
    // Found under any spelling, each with its CN as it was requested.
    expect(found.map((record) => record.deviceId)).toEqual(["LINE7-OLD", "Line7-Old"]);
    expect((await store.listByDevice("OTHER", { limit: 10 })).map((record) => record.serialNumber)).toEqual([
      "0c",
    ]);
  } finally {
    await store.close();
  }
}

/** Each test builds an old database of its own, then opens it with today's store. */
const it = test
  // A SQLite file of the test's own, not there yet, in the file's scratch folder.
  .extend("sqlitePath", ({ dataDir }) => join(dataDir.path, `${randomUUID()}.sqlite`))
  // An empty PostgreSQL database of the test's own, dropped when it ends.
  .extend("emptyPostgres", async ({ postgresServer }, { onCleanup }) => {
    const database = await postgresServer.createDatabase();
    onCleanup(() => database.drop());
    return database;
  });

const onSqlite = (path: string) =>
  new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
const onPostgres = (url: string) =>
  new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });

describe("migrating databases of earlier releases", () => {
  it("on SQLite: device keys", async ({ sqlitePath }) => {
    await databaseAt0004(onSqlite(sqlitePath), "sqlite");
    await expectMigrated(await openSqliteStore(sqlitePath));
  });

  it("on PostgreSQL: device keys", async ({ emptyPostgres }) => {
    await databaseAt0004(onPostgres(emptyPostgres.url), "postgres");
    await expectMigrated(await openPostgresStore(emptyPostgres.url));
  });

  it("on SQLite: tokens minted before the registry, from their audit entries", async ({ sqlitePath }) => {
    await tokensMintedAt0006(onSqlite(sqlitePath), "sqlite");
    await expectTokensRecorded(await openSqliteStore(sqlitePath));
  });

  it("on PostgreSQL: tokens minted before the registry, from their audit entries", async ({
    emptyPostgres,
  }) => {
    await tokensMintedAt0006(onPostgres(emptyPostgres.url), "postgres");
    await expectTokensRecorded(await openPostgresStore(emptyPostgres.url));
  });
});

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect, sql } from "kysely";
import { Migrator } from "kysely/migration";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { migrationProvider, type SqlDialectName } from "../src/adapters/store/migrations.js";
import { openPostgresStore, openSqliteStore } from "../src/adapters/store/open-store.js";
import type { CertificateStore } from "../src/ports/certificate-store.js";
import { tempDir } from "./support/openssl.js";
import { createThrowawayDatabase, postgresAvailable } from "./support/postgres.js";

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

const postgres = await postgresAvailable();

describe("migrating records made before device IDs compared without case", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("on SQLite", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const path = join(dir.path, "edge-pki.sqlite");
    await databaseAt0004(
      new Kysely({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) }),
      "sqlite",
    );
    await expectMigrated(await openSqliteStore(path));
  });

  it.runIf(postgres)("on PostgreSQL", async () => {
    const database = await createThrowawayDatabase();
    cleanups.push(database.drop);
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    await databaseAt0004(new Kysely({ dialect: new PostgresDialect({ pool }) }), "postgres");
    await expectMigrated(await openPostgresStore(database.url));
  });
});

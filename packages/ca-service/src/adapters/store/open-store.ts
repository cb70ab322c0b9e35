import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import pg from "pg";
import { KyselyCertificateStore } from "./kysely-certificate-store.js";
import type { Database } from "./schema.js";
import { SQLITE_BUSY_TIMEOUT_MS } from "./sqlite-write-lock.js";
import { withStatementCache } from "./statement-cache.js";
import { postgresWriteProbe, sqliteWriteProbe } from "./write-probe.js";

/** The embedded default: one SQLite file, in WAL mode, fsynced on every commit. */
export async function openSqliteStore(path: string): Promise<KyselyCertificateStore> {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  ownerOnly(path);
  const database = new BetterSqlite3(path);
  database.pragma("journal_mode = WAL");
  // FULL, not NORMAL: a certificate handed out must survive a power cut right after.
  database.pragma("synchronous = FULL");
  database.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  return KyselyCertificateStore.open(
    new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) }),
    "sqlite",
    () => sqliteWriteProbe(path),
  );
}

/** For several replicas sharing one store. */
export async function openPostgresStore(connectionString: string): Promise<KyselyCertificateStore> {
  const pool = new pg.Pool({ connectionString, max: 10 });
  // An idle connection the server drops (a restart, a failover) is reported here; unhandled, the
  // event would end the process. The pool replaces the connection, and a query that needs it
  // reports its own failure (503) through the store.
  pool.on("error", () => {});
  return KyselyCertificateStore.open(
    new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }),
    "postgres",
    postgresWriteProbe,
  );
}

/**
 * The database file, its WAL and its shared memory readable by the owner alone: 0600. SQLite makes
 * the WAL and the -shm file with the database file's mode, so creating that one 0600 suffices; files
 * an earlier release made with the umask's mode are tightened.
 */
function ownerOnly(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
}

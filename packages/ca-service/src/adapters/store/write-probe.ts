import { setTimeout as sleep } from "node:timers/promises";
import BetterSqlite3 from "better-sqlite3";
import { type Kysely, sql } from "kysely";
import { CaError } from "../../core/errors.js";
import type { Database } from "./schema.js";

/**
 * Whether the store can commit now, not merely answer: a SQLite file another process holds a write
 * lock on, or a PostgreSQL that is read-only or whose tables are locked, answers `select 1` but
 * cannot record a certificate. A probe takes the write lock and lets go without writing anything.
 */
export interface WriteProbe {
  /** Throws a CaError saying why the store cannot take writes. */
  check(): Promise<void>;
  close(): void;
}

/** Replicas' own commits hold the lock for milliseconds; a lock held this long is someone else's. */
const SQLITE_ATTEMPTS = 5;
const SQLITE_PAUSE_MS = 100;

/**
 * SQLite: on a connection of its own that never waits for a lock (the service's connection would
 * block its thread for the whole busy timeout), `BEGIN IMMEDIATE` takes the write lock or fails at
 * once; a few tries apart tell a passing commit from a lock that stays.
 */
export function sqliteWriteProbe(path: string): WriteProbe {
  let connection: BetterSqlite3.Database | undefined;
  return {
    async check() {
      connection ??= new BetterSqlite3(path, { timeout: 0, fileMustExist: true });
      for (let attempt = 1; ; attempt++) {
        try {
          connection.exec("BEGIN IMMEDIATE");
          connection.exec("ROLLBACK");
          return;
        } catch (error) {
          const busy = (error as { code?: string }).code?.startsWith("SQLITE_BUSY") ?? false;
          if (!busy) throw new CaError("unavailable", "the database cannot take writes", { cause: error });
          if (attempt === SQLITE_ATTEMPTS) {
            throw new CaError("unavailable", "the database is locked for writing by another process", {
              cause: error,
            });
          }
          await sleep(SQLITE_PAUSE_MS);
        }
      }
    },
    close() {
      connection?.close();
      connection = undefined;
    },
  };
}

/**
 * PostgreSQL: in a transaction that is rolled back, lock the probe row for update, waiting at most
 * a second: a read-only server (a standby, or default_transaction_read_only) or a table locked by
 * someone else fails it.
 */
export function postgresWriteProbe(db: Kysely<Database>): WriteProbe {
  return {
    async check() {
      try {
        await db.connection().execute(async (connection) => {
          await sql`begin`.execute(connection);
          try {
            await sql`set local lock_timeout = '1s'`.execute(connection);
            await sql`update readiness_probe set probed = probed where id = 1`.execute(connection);
          } finally {
            await sql`rollback`.execute(connection);
          }
        });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CaError("unavailable", `the database cannot take writes (${reason})`, { cause: error });
      }
    },
    close() {},
  };
}

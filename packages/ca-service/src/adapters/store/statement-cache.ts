import type BetterSqlite3 from "better-sqlite3";
import type { SqliteDatabase, SqliteStatement } from "kysely";

/** Distinct SQL texts kept prepared: the service's queries are a few dozen. */
const CAPACITY = 256;

/**
 * The database as Kysely's SQLite dialect sees it, with prepared statements kept for reuse.
 * Kysely prepares every query anew, and better-sqlite3 compiles the SQL on every prepare: an
 * issuance's half-dozen statements (savepoints, inserts) were compiled again each time, for the
 * same few texts. A statement is reused only once idle (a streaming read keeps one busy); the
 * least recently used goes first when the cache is full. SQLite re-prepares a kept statement by
 * itself after a schema change (a migration).
 */
export function withStatementCache(database: BetterSqlite3.Database): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      const kept = statements.get(sql);
      if (kept !== undefined && !kept.busy) {
        // Most recently used last: the Map's order is the eviction order.
        statements.delete(sql);
        statements.set(sql, kept);
        return kept;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > CAPACITY) statements.delete(statements.keys().next().value as string);
      return statement;
    },
  };
}

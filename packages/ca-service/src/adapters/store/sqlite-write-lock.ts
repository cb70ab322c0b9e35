import { setTimeout as sleep } from "node:timers/promises";
import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** How long a SQLite write waits for another process's (a replica's, a worker's) write lock. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/** How often a waiting group asks for the lock again: a commit holds it for about this long. */
const RETRY_MS = 1;

/**
 * `begin immediate`, waiting for the write lock without blocking the thread. better-sqlite3 waits
 * for a lock inside the call, which would stop this process's event loop (every request it serves)
 * while another worker commits, and SQLite's own wait sleeps up to 100 ms between tries. Here the
 * connection asks once (busy timeout 0), and on SQLITE_BUSY asks again a millisecond later, until
 * the usual busy timeout has passed.
 */
export async function beginImmediate(connection: Kysely<Database>): Promise<void> {
  const deadline = Date.now() + SQLITE_BUSY_TIMEOUT_MS;
  await sql.raw("pragma busy_timeout = 0").execute(connection);
  try {
    for (;;) {
      try {
        await sql`begin immediate`.execute(connection);
        return;
      } catch (error) {
        const busy = (error as { code?: string }).code?.startsWith("SQLITE_BUSY") ?? false;
        if (!busy || Date.now() >= deadline) throw error;
        await sleep(RETRY_MS);
      }
    }
  } finally {
    await sql.raw(`pragma busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(connection);
  }
}

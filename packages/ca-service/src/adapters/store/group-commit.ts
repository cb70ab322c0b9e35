import { type Kysely, sql } from "kysely";
import type { Database } from "./schema.js";

/** One request's writes, run inside a transaction that other requests may share. */
export type GroupedWrites<Request> = (tx: Kysely<Database>, request: Request) => Promise<void>;

export interface GroupCommitOptions {
  /**
   * Begins a group's transaction. SQLite: `begin immediate` (see `beginImmediate`), which takes the
   * write lock (waiting out another process's commit) before any request's writes, so a lock that
   * cannot be had fails the group at once instead of each request in turn.
   */
  begin(connection: Kysely<Database>): Promise<void>;
  /** Groups committing at once: 1 on SQLite (one connection); a few on PostgreSQL (a pool). */
  concurrentGroups: number;
  /** The most requests in one group. */
  maxGroupSize: number;
}

interface Waiting<Request> {
  request: Request;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests that arrive while a commit is under way share the next transaction, so
 * one commit (one fsync of SQLite's WAL with synchronous=FULL, one WAL flush of PostgreSQL) records
 * many of them, without weakening what each request's own transaction promised:
 *
 * - **All or nothing, per request.** Each request's writes run in a savepoint of their own. When
 *   one fails (a taken serial, a used token, a value that cannot be stored), the transaction is
 *   rolled back to that savepoint, which undoes exactly that request's writes and nobody else's;
 *   that request fails and the group goes on. A failed request is never half-written and never
 *   takes another's record with it.
 * - **Committed before answered.** No request hears back before the commit that holds its writes
 *   has returned. When anything outside one request's writes fails (the begin, a rollback to a
 *   savepoint, the commit itself, or a database that rolled the whole transaction back on its own),
 *   the transaction is rolled back and every request of the group fails, having written nothing,
 *   exactly as if each had met the outage in a transaction of its own.
 * - **The same races.** The unique keys decide as before. Two requests of one group that take the
 *   same token or key meet inside the group: the second fails at its savepoint as it would have
 *   failed against the first's committed transaction. It hears of its failure only after the group
 *   committed, so it then finds the winner's record, as the operations expect of a lost race.
 *
 * No timer and no waiting for company beyond the current turn of the event loop: a request that
 * finds a free slot starts a commit once the requests being read in the same turn have joined it
 * (alone, it pays what it paid before); those that arrive meanwhile form the next group, so groups
 * grow with the load. Without that short wait no group would form on SQLite: better-sqlite3 is
 * synchronous, so the first request's whole transaction ran before any other request was read,
 * and every issuance paid a transaction (and an fsync) of its own.
 */
export class GroupCommit<Request> {
  private readonly queue: Waiting<Request>[] = [];
  private committing = 0;
  /** A start of groups is scheduled for the end of this turn of the event loop. */
  private startScheduled = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly writes: GroupedWrites<Request>,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves once the request's writes are committed; rejects, having written nothing, otherwise. */
  submit(request: Request): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.scheduleStart();
    });
  }

  /**
   * Starts groups after the I/O callbacks of this turn (setImmediate), so the requests read in it
   * share one commit instead of the first one committing alone while the others wait.
   */
  private scheduleStart(): void {
    if (this.startScheduled) return;
    this.startScheduled = true;
    setImmediate(() => {
      this.startScheduled = false;
      this.startGroups();
    });
  }

  private startGroups(): void {
    while (this.committing < this.options.concurrentGroups && this.queue.length > 0) {
      const group = this.queue.splice(0, this.options.maxGroupSize);
      this.committing += 1;
      void this.commit(group).finally(() => {
        this.committing -= 1;
        this.startGroups();
      });
    }
  }

  private async commit(group: Waiting<Request>[]): Promise<void> {
    let failures: (unknown | undefined)[];
    try {
      failures = await this.db.connection().execute((connection) => this.inOneTransaction(connection, group));
    } catch (error) {
      for (const waiting of group) waiting.reject(error);
      return;
    }
    group.forEach((waiting, index) => {
      const failure = failures[index];
      if (failure === undefined) waiting.resolve();
      else waiting.reject(failure);
    });
  }

  /** Each request's failure (undefined: committed); throws when the group as a whole failed. */
  private async inOneTransaction(
    connection: Kysely<Database>,
    group: Waiting<Request>[],
  ): Promise<(unknown | undefined)[]> {
    await this.options.begin(connection);
    try {
      const failures: (unknown | undefined)[] = [];
      for (const [index, { request }] of group.entries()) {
        const savepoint = sql.raw(`request_${index}`);
        await sql`savepoint ${savepoint}`.execute(connection);
        try {
          await this.writes(connection, request);
          failures.push(undefined);
        } catch (error) {
          // Fails (and so fails the group) when the database already ended the whole transaction,
          // as SQLite does on some errors: nothing after it may run outside a transaction.
          await sql`rollback to ${savepoint}`.execute(connection);
          failures.push(error ?? new Error("the request's writes failed"));
        }
        await sql`release ${savepoint}`.execute(connection);
      }
      await sql`commit`.execute(connection);
      return failures;
    } catch (error) {
      await sql`rollback`.execute(connection).catch(() => {});
      throw error;
    }
  }
}

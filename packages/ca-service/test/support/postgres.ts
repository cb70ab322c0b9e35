import { randomBytes } from "node:crypto";
import pg from "pg";
import { TestRunner } from "vitest";
import { maskCredentials } from "../../src/config/mask-credentials.js";

/** The server's maintenance database, from which tests create and drop their own. */
export const POSTGRES_URL =
  process.env.EDGE_PKI_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ThrowawayDatabase {
  name: string;
  url: string;
  /** Settings that point a service at this database. */
  env: Record<string, string>;
  /** Ends every connection to it, as a server restart or a failover does; says how many it ended. */
  terminateConnections(): Promise<number>;
  drop(): Promise<void>;
}

export interface PostgresServer {
  /** The URL of a database on this server, whether or not it exists. */
  urlOf(database: string): string;
  /**
   * A new database with a random name, empty or a copy of `template` (which nobody may be connected
   * to); its `drop()` is the caller's to call.
   */
  createDatabase(options?: { template?: string }): Promise<ThrowawayDatabase>;
}

/**
 * The PostgreSQL server the tests use, once it has answered. Where it does not, CI fails (CI starts
 * one, so a missing server is a broken run), and anywhere else the test asking for it is skipped
 * with the reason: every PostgreSQL test goes through here, so they all behave alike.
 */
export async function requirePostgresServer(): Promise<PostgresServer> {
  const unreachable = await whyUnreachable();
  if (unreachable !== undefined) skipOrFail(unreachable);
  return { urlOf, createDatabase };
}

/** Asked once per test file (each file has its own module instance). */
let reachability: Promise<string | undefined> | undefined;

function whyUnreachable(): Promise<string | undefined> {
  reachability ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      return undefined;
    } catch (error) {
      const cause = error instanceof Error ? error.message : String(error);
      return `PostgreSQL is not reachable at ${maskCredentials(POSTGRES_URL)} (${cause}): start one, or set EDGE_PKI_TEST_POSTGRES_URL`;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return reachability;
}

let warned = false;

function skipOrFail(reason: string): never {
  if (process.env.CI) throw new Error(`${reason}. CI runs every PostgreSQL test, so this fails the run.`);
  // The fixture runs inside the first test that asks for it: that test, and each later one, skips.
  const test = TestRunner.getCurrentTest();
  if (test === undefined) throw new Error(reason);
  if (!warned) {
    warned = true;
    // The skip note is in the report; this line also reaches someone reading only the log.
    console.warn(`Skipping the PostgreSQL tests of this file: ${reason}`);
  }
  return test.context.skip(reason);
}

function urlOf(database: string): string {
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function createDatabase(options: { template?: string } = {}): Promise<ThrowawayDatabase> {
  const name = `edge_pki_test_${randomBytes(6).toString("hex")}`;
  const template = options.template === undefined ? "" : ` template ${options.template}`;
  await onMaintenanceDatabase((client) => client.query(`create database ${name}${template}`));
  const url = urlOf(name);
  return {
    name,
    url,
    env: { EDGE_PKI_STORE: "postgres", EDGE_PKI_DATABASE_URL: url },
    terminateConnections: async () =>
      (
        await onMaintenanceDatabase((client) =>
          client.query(
            "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
            [name],
          ),
        )
      ).rowCount ?? 0,
    drop: async () => {
      await onMaintenanceDatabase((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function onMaintenanceDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

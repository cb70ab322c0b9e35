import { randomBytes } from "node:crypto";
import pg from "pg";

/** The server's maintenance database; the bench creates its own beside it and drops it afterwards. */
export const POSTGRES_URL =
  process.env.EDGE_PKI_BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ThrowawayDatabase {
  /** The service's settings for it. */
  settings: Record<string, string>;
  drop(): Promise<void>;
}

/** A new, empty database with a random name; rejects when the server does not answer. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `edge_pki_bench_${randomBytes(6).toString("hex")}`;
  await onMaintenanceDatabase((client) => client.query(`create database ${name}`));
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    settings: { EDGE_PKI_STORE: "postgres", EDGE_PKI_DATABASE_URL: url.toString() },
    drop: async () => {
      await onMaintenanceDatabase((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function onMaintenanceDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

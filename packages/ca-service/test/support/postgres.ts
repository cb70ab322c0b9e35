import { randomBytes } from "node:crypto";
import pg from "pg";

const SERVER = "postgres://postgres@127.0.0.1:5432";

export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh database on the local PostgreSQL (127.0.0.1:5432, trust auth), dropped after the run. */
export async function createThrowawayDatabase(): Promise<ThrowawayDatabase> {
  const name = `edge_pki_test_${randomBytes(6).toString("hex")}`;
  await admin(`CREATE DATABASE ${name}`);
  return {
    url: `${SERVER}/${name}`,
    drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";

/**
 * What the service has stored, read straight from its SQLite file (as `countRows` does, for the
 * tables and states a refusal must leave alone): one connection for all the counts of one moment.
 */
export interface StoredRows {
  certificates: number;
  revokedCertificates: number;
  usedTokens: number;
  idempotencyRecords: number;
  renewalProofs: number;
  revokedApiTokens: number;
  estCredentials: number;
  revokedEstCredentials: number;
  estDeviceBlocks: number;
}

const QUERIES: Record<keyof StoredRows, string> = {
  certificates: "select count(*) as n from certificates",
  revokedCertificates: "select count(*) as n from certificates where status = 'revoked'",
  usedTokens: "select count(*) as n from used_tokens",
  idempotencyRecords: "select count(*) as n from idempotency_records",
  renewalProofs: "select count(*) as n from renewal_proofs",
  revokedApiTokens: "select count(*) as n from api_tokens where revoked_at is not null",
  estCredentials: "select count(*) as n from est_credentials",
  revokedEstCredentials: "select count(*) as n from est_credentials where revoked_at is not null",
  estDeviceBlocks: "select count(*) as n from est_blocked_devices",
};

export function storedRows(dataDir: string): StoredRows {
  const database = new BetterSqlite3(join(dataDir, "edge-pki.sqlite"), { readonly: true });
  try {
    const count = (sql: string) => (database.prepare(sql).get() as { n: number }).n;
    return Object.fromEntries(
      Object.entries(QUERIES).map(([name, sql]) => [name, count(sql)]),
    ) as unknown as StoredRows;
  } finally {
    database.close();
  }
}

/** How each count changed between two moments: what one request stored. */
export function rowsAdded(before: StoredRows, after: StoredRows): StoredRows {
  return Object.fromEntries(
    Object.keys(QUERIES).map((name) => [
      name,
      after[name as keyof StoredRows] - before[name as keyof StoredRows],
    ]),
  ) as unknown as StoredRows;
}

/** Nothing stored: what a refusal must leave. */
export const NOTHING_ADDED: StoredRows = {
  certificates: 0,
  revokedCertificates: 0,
  usedTokens: 0,
  idempotencyRecords: 0,
  renewalProofs: 0,
  revokedApiTokens: 0,
  estCredentials: 0,
  revokedEstCredentials: 0,
  estDeviceBlocks: 0,
};

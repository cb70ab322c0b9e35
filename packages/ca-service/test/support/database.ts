import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";

/** Counts rows straight from the SQLite file: what is stored, not what the API says. */
export function countRows(dataDir: string, table: "certificates" | "audit_log"): number {
  const database = new BetterSqlite3(join(dataDir, "edge-pki.sqlite"), { readonly: true });
  try {
    return (database.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
  } finally {
    database.close();
  }
}

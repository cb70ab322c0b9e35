import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { describe, expect } from "vitest";
import { withStatementCache } from "../src/adapters/store/statement-cache.js";
import { test } from "./support/fixtures.js";

let files = 0;

/** A fresh SQLite file behind the cache, the raw database beside it to count what it prepares. */
const it = test.extend("sqlite", async ({ dataDir }, { onCleanup }) => {
  const raw = new BetterSqlite3(`${dataDir.path}/cache-${++files}.db`);
  const prepared: string[] = [];
  const prepare = raw.prepare.bind(raw);
  raw.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof raw.prepare;
  const db = new Kysely<{ t: { n: number } }>({
    dialect: new SqliteDialect({ database: withStatementCache(raw) }),
  });
  onCleanup(() => db.destroy());
  await sql`create table t (n integer)`.execute(db);
  return { db, prepared };
});

describe("the SQLite statement cache", () => {
  it("prepares each SQL text once, and runs it again with other values", async ({
    sqlite: { db, prepared },
  }) => {
    for (let n = 1; n <= 5; n++) await db.insertInto("t").values({ n }).execute();
    const rows = await db.selectFrom("t").select("n").orderBy("n").execute();
    expect(rows.map((row) => row.n)).toEqual([1, 2, 3, 4, 5]);
    expect(prepared.filter((text) => text.startsWith("insert"))).toHaveLength(1);
  });

  it("does not hand out a statement that an unfinished read still holds", async ({ dataDir }) => {
    const raw = new BetterSqlite3(`${dataDir.path}/busy.db`);
    try {
      const cache = withStatementCache(raw);
      cache.prepare("create table u (n integer)").run([]);
      cache.prepare("insert into u values (1), (2)").run([]);
      const text = "select n from u order by n";
      const reading = cache.prepare(text).iterate([]);
      expect(reading.next().value).toEqual({ n: 1 });
      // The first statement is mid-read: the same text gets another one, which runs on its own.
      expect(cache.prepare(text).all([])).toEqual([{ n: 1 }, { n: 2 }]);
      expect(reading.next().value).toEqual({ n: 2 });
      reading.return?.();
    } finally {
      raw.close();
    }
  });

  it("keeps working across a schema change, as a migration makes", async ({ sqlite: { db } }) => {
    await db.insertInto("t").values({ n: 1 }).execute();
    const all = () => sql<Record<string, unknown>>`select * from t`.execute(db);
    expect((await all()).rows).toEqual([{ n: 1 }]);
    await sql`alter table t add column m integer default 7`.execute(db);
    expect((await all()).rows).toEqual([{ n: 1, m: 7 }]);
  });

  it("keeps at most 256 texts, dropping the least recently used", async ({ sqlite: { db, prepared } }) => {
    const select = (k: number) => sql`select ${sql.lit(k)} as k`.execute(db);
    for (let k = 0; k < 300; k++) await select(k);
    const before = prepared.length;
    await select(299); // kept
    expect(prepared.length).toBe(before);
    await select(0); // dropped long ago
    expect(prepared.length).toBe(before + 1);
  });
});

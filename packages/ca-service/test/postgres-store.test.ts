import { describe, expect } from "vitest";
import { openPostgresStore } from "../src/adapters/store/open-store.js";
import { it } from "./support/fixtures.js";

/** The PostgreSQL adapter beyond the store contract: opening it, and losing its connections. */
describe("opening a PostgreSQL store", () => {
  it("a migration failure names its cause", async ({ postgresServer }) => {
    await expect(openPostgresStore(postgresServer.urlOf("edge_pki_no_such_database"))).rejects.toThrow(
      'database migration failed: database "edge_pki_no_such_database" does not exist',
    );
  });
});

describe("PostgreSQL connections the server drops", () => {
  it("are replaced: the next query works and the process lives on", async ({ postgres }) => {
    const store = await openPostgresStore(postgres.url);
    try {
      await store.check();
      // What a PostgreSQL restart or failover does to idle connections.
      expect(await postgres.terminateConnections()).toBeGreaterThan(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await expect(store.check()).resolves.toBeUndefined();
    } finally {
      await store.close();
    }
  });
});

import { describe, expect, it } from "vitest";
import { openPostgresStore } from "../src/adapters/store/open-store.js";
import { POSTGRES_ADMIN_URL, postgresAvailable } from "./support/postgres.js";

describe.runIf(await postgresAvailable())("opening a PostgreSQL store", () => {
  it("a migration failure names its cause", async () => {
    const url = new URL(POSTGRES_ADMIN_URL);
    url.pathname = "/edge_pki_no_such_database";
    await expect(openPostgresStore(url.toString())).rejects.toThrow(
      'database migration failed: database "edge_pki_no_such_database" does not exist',
    );
  });
});

import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

export type SqlDialectName = "sqlite" | "postgres";

/**
 * Migrations live in code (not files on disk) so the built package carries them. The two engines
 * differ only in how they name binary columns and generated keys.
 */
export function migrationProvider(dialect: SqlDialectName): MigrationProvider {
  const binary = dialect === "postgres" ? "bytea" : "blob";
  const migrations: Record<string, Migration> = {
    "0001_certificates_and_audit": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("certificates")
          .addColumn("serial_number", "text", (c) => c.primaryKey())
          .addColumn("device_id", "text")
          .addColumn("profile", "text", (c) => c.notNull())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("key_algorithm", "text", (c) => c.notNull())
          .addColumn("not_before", "text", (c) => c.notNull())
          .addColumn("not_after", "text", (c) => c.notNull())
          .addColumn("status", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .addColumn("revocation_reason", "text")
          .addColumn("der", sql.raw(binary), (c) => c.notNull())
          .addColumn("sha256_fingerprint", "text", (c) => c.notNull().unique())
          .addColumn("issued_at", "text", (c) => c.notNull())
          .addColumn("requester", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("certificates_device_id")
          .on("certificates")
          .columns(["device_id", "issued_at"])
          .execute();
        await db.schema
          .createTable("audit_log")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) =>
            dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor", "text", (c) => c.notNull())
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("target", "text")
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("details", "text")
          .execute();
      },
    },
    "0003_revocation_and_renewal": {
      async up(db: Kysely<unknown>) {
        // integer is 32-bit on PostgreSQL: room for a CRL every second for 68 years.
        await db.schema
          .createTable("crl_state")
          .addColumn("id", "integer", (c) => c.primaryKey())
          .addColumn("last_number", "integer", (c) => c.notNull())
          .addColumn("revision", "integer", (c) => c.notNull())
          .addColumn("crl_number", "integer")
          .addColumn("crl_revision", "integer")
          .addColumn("this_update", "text")
          .addColumn("next_update", "text")
          .addColumn("der", sql.raw(binary))
          .execute();
        await sql`insert into crl_state (id, last_number, revision) values (1, 0, 0)`.execute(db);
        await db.schema
          .createTable("renewal_proofs")
          .addColumn("jti", "text", (c) => c.primaryKey())
          .addColumn("keep_until", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("renewal_proofs_keep_until")
          .on("renewal_proofs")
          .column("keep_until")
          .execute();
        await db.schema
          .createIndex("certificates_revoked")
          .on("certificates")
          .columns(["status", "not_after"])
          .execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}

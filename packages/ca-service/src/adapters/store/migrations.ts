import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";
import type { Database } from "./schema.js";

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
    "0002_used_tokens_and_idempotency": {
      async up(db: Kysely<unknown>) {
        // The primary key is what makes a one-time token one-time, across replicas.
        await db.schema
          .createTable("used_tokens")
          .addColumn("token_id", "text", (c) => c.primaryKey())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("used_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createIndex("used_tokens_expires_at")
          .on("used_tokens")
          .column("expires_at")
          .execute();
        await db.schema
          .createTable("idempotency_records")
          .addColumn("caller", "text", (c) => c.notNull())
          .addColumn("idempotency_key", "text", (c) => c.notNull())
          .addColumn("fingerprint", "text", (c) => c.notNull())
          .addColumn("status", "integer", (c) => c.notNull())
          .addColumn("body", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("idempotency_records_pk", ["caller", "idempotency_key"])
          .execute();
        await db.schema
          .createIndex("idempotency_records_created_at")
          .on("idempotency_records")
          .column("created_at")
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
    "0004_superseded_by": {
      async up(db: Kysely<unknown>) {
        // Which certificate replaced this one by renewal: a renewed certificate renews no more.
        await db.schema.alterTable("certificates").addColumn("superseded_by", "text").execute();
      },
    },
    "0005_device_key": {
      async up(db: Kysely<unknown>) {
        // DPS compares registration IDs without regard to case: decisions and lookups go by this
        // key, while device_id keeps the CN as it was requested.
        await db.schema.alterTable("certificates").addColumn("device_key", "text").execute();
        await sql`update certificates set device_key = lower(device_id) where device_id is not null`.execute(
          db,
        );
        await db.schema.dropIndex("certificates_device_id").execute();
        await db.schema
          .createIndex("certificates_device_key")
          .on("certificates")
          .columns(["device_key", "issued_at"])
          .execute();
      },
    },
    "0006_root_crl": {
      async up(db: Kysely<unknown>) {
        // Row 1 is the issuing CA's CRL; row 2 the root's, which lists the certificates it signed.
        // Revocations of those before this migration (there was no way but a bug) count towards it.
        const revoked = await sql<{ count: number | string }>`select count(*) as count from certificates
          where status = 'revoked' and profile in ('intermediate', 'token-signer')`.execute(db);
        const revision = Number(revoked.rows[0]?.count ?? 0);
        await sql`insert into crl_state (id, last_number, revision) values (2, 0, ${revision})`.execute(db);
      },
    },
    "0007_api_tokens": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("api_tokens")
          .addColumn("token_id", "text", (c) => c.primaryKey())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("live_subject", "text", (c) => c.unique())
          .addColumn("roles", "text", (c) => c.notNull())
          .addColumn("device_prefix", "text")
          .addColumn("minted_at", "text", (c) => c.notNull())
          .addColumn("minted_by", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("revoked_at", "text")
          .addColumn("revoked_by", "text")
          .execute();
        await db.schema.createIndex("api_tokens_minted_at").on("api_tokens").column("minted_at").execute();
        await recordTokensMintedBefore(db as Kysely<Database>);
      },
    },
    "0008_readiness_probe": {
      async up(db: Kysely<unknown>) {
        // One row that readiness locks for update (and rolls back) to learn that writes would commit.
        await db.schema
          .createTable("readiness_probe")
          .addColumn("id", "integer", (c) => c.primaryKey())
          .addColumn("probed", "integer", (c) => c.notNull())
          .execute();
        await sql`insert into readiness_probe (id, probed) values (1, 0)`.execute(db);
      },
    },
    "0009_api_token_rate_limits": {
      async up(db: Kysely<unknown>) {
        // A token's own request budget, as it was minted (and claims): null for the default.
        await db.schema.alterTable("api_tokens").addColumn("rate_limit_per_minute", "integer").execute();
      },
    },
    "0010_est_credentials": {
      async up(db: Kysely<unknown>) {
        // HTTP Basic credentials for EST: a scrypt hash, never the password. The username's lower
        // case is unique, so one name is one credential whatever case a client sends.
        await db.schema
          .createTable("est_credentials")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("username", "text", (c) => c.notNull())
          .addColumn("username_key", "text", (c) => c.notNull().unique())
          .addColumn("password_hash", "text", (c) => c.notNull())
          .addColumn("device_prefix", "text")
          .addColumn("device_id", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addColumn("expires_at", "text")
          .addColumn("revoked_at", "text")
          .addColumn("revoked_by", "text")
          .execute();
        await db.schema
          .createIndex("est_credentials_created_at")
          .on("est_credentials")
          .column("created_at")
          .execute();
      },
    },
    "0011_est_blocked_devices": {
      async up(db: Kysely<unknown>) {
        // Devices no EST credential may enrol. Keyed by the device ID's lower case, as certificates
        // are found (0005_device_key); lifting a block deletes its row (the audit log keeps it).
        await db.schema
          .createTable("est_blocked_devices")
          .addColumn("device_key", "text", (c) => c.primaryKey())
          .addColumn("device_id", "text", (c) => c.notNull())
          .addColumn("reason", "text")
          .addColumn("blocked_at", "text", (c) => c.notNull())
          .addColumn("blocked_by", "text", (c) => c.notNull())
          .execute();
      },
    },
  };
  return { getMigrations: async () => migrations };
}

/**
 * Tokens minted before the registry existed are known from their audit entries (`token.create`
 * carries the jti, roles, prefix and expiry; never the token), so they can be listed and revoked too.
 * Older releases let one subject hold several tokens: the newest that has not expired keeps it.
 */
async function recordTokensMintedBefore(db: Kysely<Database>): Promise<void> {
  const minted = await db
    .selectFrom("audit_log")
    .select(["at", "actor", "target", "details"])
    .where("action", "=", "token.create")
    .orderBy("id", "desc")
    .execute();
  const now = new Date().toISOString();
  const liveSubjects = new Set<string>();
  for (const entry of minted) {
    const details = JSON.parse(entry.details ?? "{}") as Record<string, unknown>;
    const subject = entry.target?.replace(/^token:/, "");
    if (typeof details.tokenId !== "string" || typeof details.expiresAt !== "string" || !subject) continue;
    const live = details.expiresAt > now && !liveSubjects.has(subject);
    if (live) liveSubjects.add(subject);
    await db
      .insertInto("api_tokens")
      .values({
        token_id: details.tokenId,
        subject,
        live_subject: live ? subject : null,
        roles: JSON.stringify(Array.isArray(details.roles) ? details.roles : []),
        device_prefix: typeof details.devicePrefix === "string" ? details.devicePrefix : null,
        minted_at: entry.at,
        minted_by: entry.actor,
        expires_at: details.expiresAt,
        revoked_at: null,
        revoked_by: null,
      })
      .onConflict((conflict) => conflict.column("token_id").doNothing())
      .execute();
  }
}

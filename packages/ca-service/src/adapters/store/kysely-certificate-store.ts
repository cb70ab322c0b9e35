import { type Insertable, type Kysely, type Selectable, sql } from "kysely";
import { Migrator } from "kysely/migration";
import { deviceIdKey } from "../../core/device-id.js";
import { type Profile, SIGNED_BY, signingCaOf } from "../../core/profiles.js";
import type {
  ApiTokenRecord,
  AuditEvent,
  AuditRecord,
  CertificateRecord,
  CertificateStatus,
  CertificateStore,
  CrlAllocation,
  CrlIssuer,
  IdempotencyRecord,
  ListOptions,
  PurgeRequest,
  RecordEventRequest,
  RecordIssuanceRequest,
  RecordTokenMintRequest,
  RevokedCertificate,
  RevokeRequest,
  RevokeResult,
  RevokeTokenRequest,
  StoredCrl,
  TokenMintOutcome,
} from "../../ports/certificate-store.js";
import type {
  BlockEstDeviceRequest,
  EstCredentialOutcome,
  EstCredentialRecord,
  EstDeviceBlockListOptions,
  EstDeviceBlockRecord,
  RecordEstCredentialRequest,
  RevokeEstCredentialRequest,
  StoredEstCredential,
  UnblockEstDeviceRequest,
} from "../../ports/est-credential-store.js";
import { GroupCommit, type GroupCommitOptions } from "./group-commit.js";
import { KyselyEstCredentialStore } from "./kysely-est-credential-store.js";
import { migrationProvider, type SqlDialectName } from "./migrations.js";
import type {
  ApiTokensTable,
  AuditLogTable,
  CertificatesTable,
  Database,
  IdempotencyRecordsTable,
} from "./schema.js";
import { beginImmediate } from "./sqlite-write-lock.js";
import type { WriteProbe } from "./write-probe.js";

/** crl_state holds one row per CRL, created by the migrations. */
const CRL_STATE_ROW: Record<CrlIssuer, number> = { "issuing-ca": 1, root: 2 };

/** The CRL that lists a revoked certificate of `profile`: its signer's. */
const crlIssuerOf: (profile: Profile) => CrlIssuer | undefined = signingCaOf;

/**
 * How issuances share commits (see `GroupCommit`). SQLite has one connection, so one group at a
 * time, its write lock taken up front; PostgreSQL commits a few groups at once on its pool (10
 * connections), leaving connections for reads. Two such groups that take the same token or key in
 * opposite orders would deadlock; PostgreSQL breaks it by failing one statement, which fails that
 * one request (503, safe to retry) at its savepoint and nothing else.
 */
const GROUP_COMMIT: Record<SqlDialectName, GroupCommitOptions> = {
  sqlite: { begin: beginImmediate, concurrentGroups: 1, maxGroupSize: 64 },
  postgres: {
    begin: async (connection) => {
      await sql`begin`.execute(connection);
    },
    concurrentGroups: 4,
    maxGroupSize: 64,
  },
};

/** The one store implementation: the same queries run on SQLite and PostgreSQL. */
export class KyselyCertificateStore implements CertificateStore {
  /** Issuances, the one write made in bulk, share commits: see `GroupCommit`. */
  private readonly issuances: GroupCommit<RecordIssuanceRequest>;
  private readonly estCredentials: KyselyEstCredentialStore;

  private constructor(
    private readonly db: Kysely<Database>,
    dialect: SqlDialectName,
    private readonly writeProbe: WriteProbe,
  ) {
    this.issuances = new GroupCommit(db, writeIssuance, GROUP_COMMIT[dialect]);
    this.estCredentials = new KyselyEstCredentialStore(db, toAuditRow);
  }

  /** Opens the store and brings its schema up to date. */
  static async open(
    db: Kysely<Database>,
    dialect: SqlDialectName,
    writeProbe: (db: Kysely<Database>) => WriteProbe,
  ): Promise<KyselyCertificateStore> {
    const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
    const { error } = await migrator.migrateToLatest();
    if (error) {
      await db.destroy();
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`database migration failed: ${reason}`, { cause: error });
    }
    return new KyselyCertificateStore(db, dialect, writeProbe(db));
  }

  async recordCaCertificate(certificate: CertificateRecord): Promise<void> {
    // No conflict target: the serial and the fingerprint are both unique, and replicas starting
    // together on a new database may record the same CA certificate at the same moment; whichever
    // constraint the loser meets first, it must do nothing rather than fail to start.
    await this.db
      .insertInto("certificates")
      .values(toRow(certificate))
      .onConflict((conflict) => conflict.doNothing())
      .execute();
  }

  /** In a transaction it may share with other issuances, all of its writes or none: see `GroupCommit`. */
  recordIssuance(request: RecordIssuanceRequest): Promise<void> {
    return this.issuances.submit(request);
  }

  async recordEvent(request: RecordEventRequest): Promise<void> {
    await this.db.transaction().execute(async (tx) => {
      if (request.idempotency !== undefined) {
        await tx.insertInto("idempotency_records").values(toIdempotencyRow(request.idempotency)).execute();
      }
      await tx.insertInto("audit_log").values(toAuditRow(request.audit)).execute();
    });
  }

  async findIdempotencyRecord(caller: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = await this.db
      .selectFrom("idempotency_records")
      .selectAll()
      .where("caller", "=", caller)
      .where("idempotency_key", "=", key)
      .executeTakeFirst();
    return (
      row && {
        caller: row.caller,
        key: row.idempotency_key,
        fingerprint: row.fingerprint,
        status: Number(row.status),
        body: JSON.parse(row.body) as unknown,
        createdAt: new Date(row.created_at),
      }
    );
  }

  async isTokenUsed(tokenId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom("used_tokens")
      .select("token_id")
      .where("token_id", "=", tokenId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async purgeExpired(request: PurgeRequest): Promise<void> {
    await this.db
      .deleteFrom("idempotency_records")
      .where("created_at", "<", request.idempotencyCreatedBefore.toISOString())
      .execute();
    await this.db
      .deleteFrom("used_tokens")
      .where("expires_at", "<", request.tokensExpiredBefore.toISOString())
      .execute();
  }

  async findBySerialNumber(serialNumber: string): Promise<CertificateRecord | undefined> {
    const row = await this.db
      .selectFrom("certificates")
      .selectAll()
      .where("serial_number", "=", serialNumber)
      .executeTakeFirst();
    return row && fromRow(row);
  }

  async listByProfile(profile: Profile, options: ListOptions): Promise<CertificateRecord[]> {
    const rows = await this.db
      .selectFrom("certificates")
      .selectAll()
      .where("profile", "=", profile)
      .orderBy("issued_at", "desc")
      .limit(options.limit)
      .execute();
    return rows.map(fromRow);
  }

  async listByDevice(deviceId: string, options: ListOptions): Promise<CertificateRecord[]> {
    const rows = await this.db
      .selectFrom("certificates")
      .selectAll()
      .where("device_key", "=", deviceIdKey(deviceId))
      .orderBy("issued_at", "desc")
      .orderBy("serial_number")
      .limit(options.limit)
      .execute();
    return rows.map(fromRow);
  }

  async revoke(request: RevokeRequest): Promise<RevokeResult | undefined> {
    return this.db.transaction().execute(async (tx) => {
      // Conditional on 'valid', so two concurrent revocations cannot both count as the change.
      const updated = await tx
        .updateTable("certificates")
        .set({
          status: "revoked",
          revoked_at: request.at.toISOString(),
          revocation_reason: request.reason,
        })
        .where("serial_number", "=", request.serialNumber)
        .where("status", "=", "valid")
        .executeTakeFirst();
      const changed = updated.numUpdatedRows > 0n;
      const row = await tx
        .selectFrom("certificates")
        .selectAll()
        .where("serial_number", "=", request.serialNumber)
        .executeTakeFirst();
      const record = row && fromRow(row);
      const issuer = record && crlIssuerOf(record.profile);
      if (changed) {
        await tx.insertInto("audit_log").values(toAuditRow(request.audit)).execute();
        if (issuer !== undefined) {
          await tx
            .updateTable("crl_state")
            .set((eb) => ({ revision: eb("revision", "+", 1) }))
            .where("id", "=", CRL_STATE_ROW[issuer])
            .execute();
        }
      }
      return record && { record, changed };
    });
  }

  async listRevoked(options: { issuer: CrlIssuer; unexpiredAt: Date }): Promise<RevokedCertificate[]> {
    const rows = await this.db
      .selectFrom("certificates")
      .select(["serial_number", "revoked_at", "revocation_reason"])
      .where("status", "=", "revoked")
      .where("profile", "in", [...SIGNED_BY[options.issuer]])
      .where("revoked_at", "is not", null)
      .where("not_after", ">", options.unexpiredAt.toISOString())
      .orderBy("serial_number")
      .execute();
    return rows.map((row) => ({
      serialNumber: row.serial_number,
      revokedAt: new Date(row.revoked_at as string),
      reason: row.revocation_reason,
    }));
  }

  async allocateCrlNumber(issuer: CrlIssuer): Promise<CrlAllocation> {
    // One UPDATE … RETURNING is its own transaction; its row lock serialises replicas on PostgreSQL.
    const row = await this.db
      .updateTable("crl_state")
      .set((eb) => ({ last_number: eb("last_number", "+", 1) }))
      .where("id", "=", CRL_STATE_ROW[issuer])
      .returning(["last_number", "revision"])
      .executeTakeFirstOrThrow();
    return { crlNumber: row.last_number, revision: row.revision };
  }

  async publishCrl(issuer: CrlIssuer, crl: StoredCrl): Promise<void> {
    // A replica that signed an older number later must not replace a newer CRL.
    await this.db
      .updateTable("crl_state")
      .set({
        crl_number: crl.crlNumber,
        crl_revision: crl.revision,
        this_update: crl.thisUpdate.toISOString(),
        next_update: crl.nextUpdate.toISOString(),
        der: crl.der,
      })
      .where("id", "=", CRL_STATE_ROW[issuer])
      .where((eb) => eb.or([eb("crl_number", "is", null), eb("crl_number", "<", crl.crlNumber)]))
      .execute();
  }

  async latestCrl(issuer: CrlIssuer): Promise<{ crl: StoredCrl | undefined; revision: number }> {
    const row = await this.db
      .selectFrom("crl_state")
      .selectAll()
      .where("id", "=", CRL_STATE_ROW[issuer])
      .executeTakeFirstOrThrow();
    const published =
      row.crl_number !== null &&
      row.crl_revision !== null &&
      row.this_update !== null &&
      row.next_update !== null &&
      row.der !== null;
    return {
      revision: row.revision,
      crl: published
        ? {
            crlNumber: row.crl_number as number,
            revision: row.crl_revision as number,
            thisUpdate: new Date(row.this_update as string),
            nextUpdate: new Date(row.next_update as string),
            der: new Uint8Array(row.der as Uint8Array),
          }
        : undefined,
    };
  }

  async consumeRenewalProof(request: { jti: string; keepUntil: Date; now: Date }): Promise<boolean> {
    return this.db.transaction().execute(async (tx) => {
      await tx.deleteFrom("renewal_proofs").where("keep_until", "<", request.now.toISOString()).execute();
      // The primary key makes this a compare-and-set: of two uses, on any replicas, one inserts.
      const inserted = await tx
        .insertInto("renewal_proofs")
        .values({ jti: request.jti, keep_until: request.keepUntil.toISOString() })
        .onConflict((conflict) => conflict.column("jti").doNothing())
        .executeTakeFirst();
      return (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
    });
  }

  async recordTokenMint(request: RecordTokenMintRequest): Promise<TokenMintOutcome> {
    const { token } = request;
    const at = token.mintedAt.toISOString();
    try {
      return await this.db.transaction().execute(async (tx) => {
        // An expired token no longer holds its subject.
        await tx
          .updateTable("api_tokens")
          .set({ live_subject: null })
          .where("live_subject", "=", token.subject)
          .where("expires_at", "<=", at)
          .execute();
        const holder = await liveHolder(tx, token.subject);
        if (holder !== undefined) return { recorded: false, holder };
        await tx.insertInto("api_tokens").values(toTokenRow(token)).execute();
        await tx.insertInto("audit_log").values(toAuditRow(request.audit)).execute();
        return { recorded: true };
      });
    } catch (error) {
      // Two mints for one subject racing: the unique live_subject let one commit.
      const holder = await liveHolder(this.db, token.subject).catch(() => undefined);
      if (holder !== undefined && holder.tokenId !== token.tokenId) return { recorded: false, holder };
      throw error;
    }
  }

  async listApiTokens(options: ListOptions): Promise<ApiTokenRecord[]> {
    const rows = await this.db
      .selectFrom("api_tokens")
      .selectAll()
      .orderBy("minted_at", "desc")
      .orderBy("token_id")
      .limit(options.limit)
      .execute();
    return rows.map(fromTokenRow);
  }

  async revokeApiToken(
    request: RevokeTokenRequest,
  ): Promise<{ record: ApiTokenRecord; changed: boolean } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable("api_tokens")
        .set({ revoked_at: request.at.toISOString(), revoked_by: request.by, live_subject: null })
        .where("token_id", "=", request.tokenId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      const changed = updated.numUpdatedRows > 0n;
      if (changed) await tx.insertInto("audit_log").values(toAuditRow(request.audit)).execute();
      const row = await tx
        .selectFrom("api_tokens")
        .selectAll()
        .where("token_id", "=", request.tokenId)
        .executeTakeFirst();
      return row && { record: fromTokenRow(row), changed };
    });
  }

  async listRevokedTokenIds(options: { unexpiredAt: Date }): Promise<string[]> {
    const rows = await this.db
      .selectFrom("api_tokens")
      .select("token_id")
      .where("revoked_at", "is not", null)
      .where("expires_at", ">", options.unexpiredAt.toISOString())
      .execute();
    return rows.map((row) => row.token_id);
  }

  recordEstCredential(request: RecordEstCredentialRequest): Promise<EstCredentialOutcome> {
    return this.estCredentials.recordEstCredential(request);
  }

  findEstCredential(username: string): Promise<StoredEstCredential | undefined> {
    return this.estCredentials.findEstCredential(username);
  }

  listEstCredentials(options: ListOptions): Promise<EstCredentialRecord[]> {
    return this.estCredentials.listEstCredentials(options);
  }

  revokeEstCredential(
    request: RevokeEstCredentialRequest,
  ): Promise<{ record: EstCredentialRecord; changed: boolean } | undefined> {
    return this.estCredentials.revokeEstCredential(request);
  }

  listRevokedEstCredentialIds(options: { unexpiredAt: Date }): Promise<string[]> {
    return this.estCredentials.listRevokedEstCredentialIds(options);
  }

  blockEstDevice(
    request: BlockEstDeviceRequest,
  ): Promise<{ record: EstDeviceBlockRecord; changed: boolean }> {
    return this.estCredentials.blockEstDevice(request);
  }

  unblockEstDevice(request: UnblockEstDeviceRequest): Promise<EstDeviceBlockRecord | undefined> {
    return this.estCredentials.unblockEstDevice(request);
  }

  findEstDeviceBlock(deviceId: string): Promise<EstDeviceBlockRecord | undefined> {
    return this.estCredentials.findEstDeviceBlock(deviceId);
  }

  listEstDeviceBlocks(options: EstDeviceBlockListOptions): Promise<EstDeviceBlockRecord[]> {
    return this.estCredentials.listEstDeviceBlocks(options);
  }

  async appendAudit(event: AuditEvent): Promise<void> {
    await this.db.insertInto("audit_log").values(toAuditRow(event)).execute();
  }

  async listAudit(options: ListOptions & { afterId?: number }): Promise<AuditRecord[]> {
    let query = this.db.selectFrom("audit_log").selectAll().orderBy("id").limit(options.limit);
    if (options.afterId !== undefined) query = query.where("id", ">", options.afterId);
    return (await query.execute()).map(fromAuditRow);
  }

  /** Ready means able to commit: see `WriteProbe`. */
  async check(): Promise<void> {
    await this.writeProbe.check();
  }

  async close(): Promise<void> {
    this.writeProbe.close();
    await this.db.destroy();
  }
}

/** An issuance's writes, inside a transaction (and savepoint) of `GroupCommit`'s. */
async function writeIssuance(tx: Kysely<Database>, request: RecordIssuanceRequest): Promise<void> {
  // The compare-and-sets come first: a renewed certificate, a used token or a taken key fails
  // before anything is written.
  if (request.supersedes !== undefined) {
    const superseded = await tx
      .updateTable("certificates")
      .set({ superseded_by: request.certificate.serialNumber })
      .where("serial_number", "=", request.supersedes)
      .where("superseded_by", "is", null)
      .executeTakeFirst();
    if (superseded.numUpdatedRows === 0n) {
      throw new Error(`certificate ${request.supersedes} was already renewed`);
    }
  }
  const token = request.consumeToken;
  if (token !== undefined) {
    await tx
      .insertInto("used_tokens")
      .values({
        token_id: token.tokenId,
        subject: token.subject,
        expires_at: token.expiresAt.toISOString(),
        used_at: token.usedAt.toISOString(),
      })
      .execute();
  }
  if (request.idempotency !== undefined) {
    await tx.insertInto("idempotency_records").values(toIdempotencyRow(request.idempotency)).execute();
  }
  await tx.insertInto("certificates").values(toRow(request.certificate)).execute();
  await tx.insertInto("audit_log").values(toAuditRow(request.audit)).execute();
}

function toRow(record: CertificateRecord): CertificatesTable {
  return {
    serial_number: record.serialNumber,
    device_id: record.deviceId,
    device_key: record.deviceId === null ? null : deviceIdKey(record.deviceId),
    profile: record.profile,
    subject: record.subject,
    key_algorithm: record.keyAlgorithm,
    not_before: record.notBefore.toISOString(),
    not_after: record.notAfter.toISOString(),
    status: record.status,
    revoked_at: record.revokedAt?.toISOString() ?? null,
    revocation_reason: record.revocationReason,
    der: record.der,
    sha256_fingerprint: record.sha256Fingerprint,
    issued_at: record.issuedAt.toISOString(),
    requester: record.requester,
    superseded_by: record.supersededBy,
  };
}

function fromRow(row: Selectable<CertificatesTable>): CertificateRecord {
  return {
    serialNumber: row.serial_number,
    deviceId: row.device_id,
    profile: row.profile as Profile,
    subject: row.subject,
    keyAlgorithm: row.key_algorithm,
    notBefore: new Date(row.not_before),
    notAfter: new Date(row.not_after),
    status: row.status as CertificateStatus,
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    revocationReason: row.revocation_reason,
    der: new Uint8Array(row.der),
    sha256Fingerprint: row.sha256_fingerprint,
    issuedAt: new Date(row.issued_at),
    requester: row.requester,
    supersededBy: row.superseded_by,
  };
}

async function liveHolder(db: Kysely<Database>, subject: string): Promise<ApiTokenRecord | undefined> {
  const row = await db
    .selectFrom("api_tokens")
    .selectAll()
    .where("live_subject", "=", subject)
    .executeTakeFirst();
  return row && fromTokenRow(row);
}

function toTokenRow(token: ApiTokenRecord): Insertable<ApiTokensTable> {
  return {
    token_id: token.tokenId,
    subject: token.subject,
    live_subject: token.revokedAt === null ? token.subject : null,
    roles: JSON.stringify(token.roles),
    device_prefix: token.devicePrefix,
    rate_limit_per_minute: token.rateLimitPerMinute,
    minted_at: token.mintedAt.toISOString(),
    minted_by: token.mintedBy,
    expires_at: token.expiresAt.toISOString(),
    revoked_at: token.revokedAt?.toISOString() ?? null,
    revoked_by: token.revokedBy,
  };
}

function fromTokenRow(row: Selectable<ApiTokensTable>): ApiTokenRecord {
  return {
    tokenId: row.token_id,
    subject: row.subject,
    roles: JSON.parse(row.roles) as string[],
    devicePrefix: row.device_prefix,
    rateLimitPerMinute: row.rate_limit_per_minute,
    mintedAt: new Date(row.minted_at),
    mintedBy: row.minted_by,
    expiresAt: new Date(row.expires_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

function toIdempotencyRow(record: IdempotencyRecord): IdempotencyRecordsTable {
  return {
    caller: record.caller,
    idempotency_key: record.key,
    fingerprint: record.fingerprint,
    status: record.status,
    body: JSON.stringify(record.body),
    created_at: record.createdAt.toISOString(),
  };
}

function toAuditRow(event: AuditEvent): Omit<AuditLogTable, "id"> {
  return {
    at: event.at.toISOString(),
    actor: event.actor,
    action: event.action,
    target: event.target,
    outcome: event.outcome,
    details: event.details === undefined ? null : JSON.stringify(event.details),
  };
}

function fromAuditRow(row: Selectable<AuditLogTable>): AuditRecord {
  const record: AuditRecord = {
    id: Number(row.id),
    at: new Date(row.at),
    actor: row.actor,
    action: row.action,
    target: row.target,
    outcome: row.outcome as AuditEvent["outcome"],
  };
  if (row.details !== null) record.details = JSON.parse(row.details) as Record<string, unknown>;
  return record;
}

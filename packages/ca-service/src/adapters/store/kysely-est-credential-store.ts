import type { Insertable, Kysely, Selectable } from "kysely";
import { deviceIdKey } from "../../core/device-id.js";
import type { AuditEvent, ListOptions } from "../../ports/certificate-store.js";
import type {
  BlockEstDeviceRequest,
  EstCredentialOutcome,
  EstCredentialRecord,
  EstCredentialStore,
  EstDeviceBlockListOptions,
  EstDeviceBlockRecord,
  RecordEstCredentialRequest,
  RevokeEstCredentialRequest,
  StoredEstCredential,
  UnblockEstDeviceRequest,
} from "../../ports/est-credential-store.js";
import type { AuditLogTable, Database, EstBlockedDevicesTable, EstCredentialsTable } from "./schema.js";

/** EST access (credentials, blocked devices) on SQLite and PostgreSQL alike; the certificate store delegates here. */
export class KyselyEstCredentialStore implements EstCredentialStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly toAuditRow: (event: AuditEvent) => Omit<AuditLogTable, "id">,
  ) {}

  async recordEstCredential(request: RecordEstCredentialRequest): Promise<EstCredentialOutcome> {
    const { credential } = request;
    return this.db.transaction().execute(async (tx) => {
      // Writing first takes the write lock at once (SQLite), and the unique username_key makes this a
      // compare-and-set: of racing creations of one name, on any replicas, one inserts.
      const inserted = await tx
        .insertInto("est_credentials")
        .values(toRow(credential))
        .onConflict((conflict) => conflict.column("username_key").doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) === 0n) {
        const holder = await findByUsername(tx, credential.username);
        if (holder === undefined) throw new Error(`the username ${credential.username} is taken and gone`);
        return { recorded: false, holder: withoutHash(holder) };
      }
      await tx.insertInto("audit_log").values(this.toAuditRow(request.audit)).execute();
      return { recorded: true };
    });
  }

  findEstCredential(username: string): Promise<StoredEstCredential | undefined> {
    return findByUsername(this.db, username);
  }

  async listEstCredentials(options: ListOptions): Promise<EstCredentialRecord[]> {
    const rows = await this.db
      .selectFrom("est_credentials")
      .selectAll()
      .orderBy("created_at", "desc")
      .orderBy("id")
      .limit(options.limit)
      .execute();
    return rows.map((row) => withoutHash(fromRow(row)));
  }

  async revokeEstCredential(
    request: RevokeEstCredentialRequest,
  ): Promise<{ record: EstCredentialRecord; changed: boolean } | undefined> {
    return this.db.transaction().execute(async (tx) => {
      // Conditional on not revoked, so two concurrent revocations cannot both count as the change.
      const updated = await tx
        .updateTable("est_credentials")
        .set({ revoked_at: request.at.toISOString(), revoked_by: request.by })
        .where("id", "=", request.id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      const changed = updated.numUpdatedRows > 0n;
      if (changed) await tx.insertInto("audit_log").values(this.toAuditRow(request.audit)).execute();
      const row = await tx
        .selectFrom("est_credentials")
        .selectAll()
        .where("id", "=", request.id)
        .executeTakeFirst();
      return row && { record: withoutHash(fromRow(row)), changed };
    });
  }

  async listRevokedEstCredentialIds(options: { unexpiredAt: Date }): Promise<string[]> {
    const rows = await this.db
      .selectFrom("est_credentials")
      .select("id")
      .where("revoked_at", "is not", null)
      .where((eb) =>
        eb.or([eb("expires_at", "is", null), eb("expires_at", ">", options.unexpiredAt.toISOString())]),
      )
      .execute();
    return rows.map((row) => row.id);
  }

  async blockEstDevice(
    request: BlockEstDeviceRequest,
  ): Promise<{ record: EstDeviceBlockRecord; changed: boolean }> {
    const { block } = request;
    return this.db.transaction().execute(async (tx) => {
      // The device key is unique: of racing blocks of one device, on any replicas, one inserts.
      const inserted = await tx
        .insertInto("est_blocked_devices")
        .values({
          device_key: deviceIdKey(block.deviceId),
          device_id: block.deviceId,
          reason: block.reason,
          blocked_at: block.blockedAt.toISOString(),
          blocked_by: block.blockedBy,
        })
        .onConflict((conflict) => conflict.column("device_key").doNothing())
        .executeTakeFirst();
      const changed = (inserted.numInsertedOrUpdatedRows ?? 0n) > 0n;
      if (changed) await tx.insertInto("audit_log").values(this.toAuditRow(request.audit)).execute();
      const record = await findBlock(tx, block.deviceId);
      if (record === undefined) throw new Error(`the block of ${block.deviceId} is recorded and gone`);
      return { record, changed };
    });
  }

  async unblockEstDevice(request: UnblockEstDeviceRequest): Promise<EstDeviceBlockRecord | undefined> {
    return this.db.transaction().execute(async (tx) => {
      const deleted = await tx
        .deleteFrom("est_blocked_devices")
        .where("device_key", "=", deviceIdKey(request.deviceId))
        .returningAll()
        .executeTakeFirst();
      if (deleted === undefined) return undefined;
      const lifted = blockFromRow(deleted);
      const audit = {
        ...request.audit,
        target: lifted.deviceId,
        details: {
          ...request.audit.details,
          reason: lifted.reason,
          blockedAt: lifted.blockedAt.toISOString(),
          blockedBy: lifted.blockedBy,
        },
      };
      await tx.insertInto("audit_log").values(this.toAuditRow(audit)).execute();
      return lifted;
    });
  }

  findEstDeviceBlock(deviceId: string): Promise<EstDeviceBlockRecord | undefined> {
    return findBlock(this.db, deviceId);
  }

  async listEstDeviceBlocks(options: EstDeviceBlockListOptions): Promise<EstDeviceBlockRecord[]> {
    const { after } = options;
    const rows = await this.db
      .selectFrom("est_blocked_devices")
      .selectAll()
      .$if(after !== undefined, (query) => {
        const blockedAt = after?.blockedAt.toISOString() ?? "";
        const key = deviceIdKey(after?.deviceId ?? "");
        // Keyset paging in the order listed: ISO 8601 times of one format compare as text.
        return query.where((eb) =>
          eb.or([
            eb("blocked_at", "<", blockedAt),
            eb.and([eb("blocked_at", "=", blockedAt), eb("device_key", ">", key)]),
          ]),
        );
      })
      .orderBy("blocked_at", "desc")
      .orderBy("device_key")
      .limit(options.limit)
      .execute();
    return rows.map(blockFromRow);
  }
}

async function findBlock(db: Kysely<Database>, deviceId: string): Promise<EstDeviceBlockRecord | undefined> {
  const row = await db
    .selectFrom("est_blocked_devices")
    .selectAll()
    .where("device_key", "=", deviceIdKey(deviceId))
    .executeTakeFirst();
  return row && blockFromRow(row);
}

function blockFromRow(row: Selectable<EstBlockedDevicesTable>): EstDeviceBlockRecord {
  return {
    deviceId: row.device_id,
    reason: row.reason,
    blockedAt: new Date(row.blocked_at),
    blockedBy: row.blocked_by,
  };
}

async function findByUsername(
  db: Kysely<Database>,
  username: string,
): Promise<StoredEstCredential | undefined> {
  const row = await db
    .selectFrom("est_credentials")
    .selectAll()
    .where("username_key", "=", usernameKey(username))
    .executeTakeFirst();
  return row && fromRow(row);
}

/** Usernames are ASCII (see the contract's EstUsername): lower case is exact. */
function usernameKey(username: string): string {
  return username.toLowerCase();
}

function withoutHash(credential: StoredEstCredential): EstCredentialRecord {
  const { passwordHash: _hash, ...record } = credential;
  return record;
}

function toRow(credential: StoredEstCredential): Insertable<EstCredentialsTable> {
  return {
    id: credential.id,
    username: credential.username,
    username_key: usernameKey(credential.username),
    password_hash: credential.passwordHash,
    device_prefix: credential.devicePrefix,
    device_id: credential.deviceId,
    created_at: credential.createdAt.toISOString(),
    created_by: credential.createdBy,
    expires_at: credential.expiresAt?.toISOString() ?? null,
    revoked_at: credential.revokedAt?.toISOString() ?? null,
    revoked_by: credential.revokedBy,
  };
}

function fromRow(row: Selectable<EstCredentialsTable>): StoredEstCredential {
  const date = (value: string | null) => (value === null ? null : new Date(value));
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    devicePrefix: row.device_prefix,
    deviceId: row.device_id,
    createdAt: new Date(row.created_at),
    createdBy: row.created_by,
    expiresAt: date(row.expires_at),
    revokedAt: date(row.revoked_at),
    revokedBy: row.revoked_by,
  };
}

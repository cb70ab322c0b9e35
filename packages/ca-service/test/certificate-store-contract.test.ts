import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { describe } from "vitest";
import { openPostgresStore, openSqliteStore } from "../src/adapters/store/open-store.js";
import { test } from "./support/fixtures.js";
import { apiTokenRules } from "./support/store-contract/api-tokens.js";
import type { ContractTest, StoreUnderTest } from "./support/store-contract/contract.js";
import { crlNumberRules } from "./support/store-contract/crl-numbers.js";
import { estCredentialRules } from "./support/store-contract/est-credentials.js";
import { estDeviceBlockRules } from "./support/store-contract/est-device-blocks.js";
import { groupCommitRules } from "./support/store-contract/group-commit.js";
import { idempotencyRules } from "./support/store-contract/idempotency.js";
import { issuanceRules } from "./support/store-contract/issuance.js";
import { purgeRules } from "./support/store-contract/purge.js";
import { readinessRules } from "./support/store-contract/readiness.js";
import { renewalProofRules } from "./support/store-contract/renewal-proofs.js";
import { revocationRules } from "./support/store-contract/revocation.js";
import { supersessionRules } from "./support/store-contract/supersession.js";
import { tokenRules } from "./support/store-contract/tokens.js";
import { postgresReplicas, SqliteReplicaThreads } from "./support/store-replicas.js";

/**
 * The CertificateStore contract: every rule the store guards, tested against the port (not through
 * HTTP), each also under concurrent attempts from several stores on one database, run alike on
 * every adapter. The rules live in support/store-contract/, one file each.
 */
function certificateStoreContract(it: ContractTest): void {
  issuanceRules(it);
  groupCommitRules(it);
  tokenRules(it);
  idempotencyRules(it);
  supersessionRules(it);
  renewalProofRules(it);
  crlNumberRules(it);
  revocationRules(it);
  purgeRules(it);
  apiTokenRules(it);
  estCredentialRules(it);
  estDeviceBlockRules(it);
  readinessRules(it);
}

/** How many stores race on SQLite: threads of their own (see SqliteReplicaThreads). */
const SQLITE_REPLICAS = 8;
/** How many stores race on PostgreSQL: pools of their own, in this process. */
const POSTGRES_REPLICAS = 4;

const sqlite = test
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
  .extend("replicaThreads", { scope: "file" }, async ({}, { onCleanup }) => {
    const threads = await SqliteReplicaThreads.start(SQLITE_REPLICAS);
    onCleanup(() => threads.stop());
    return threads;
  })
  // Each test gets a database file of its own.
  .extend("stores", async ({ dataDir, replicaThreads }, { onCleanup }): Promise<StoreUnderTest> => {
    const path = join(dataDir.path, `${randomUUID()}.sqlite`);
    const store = await openSqliteStore(path);
    onCleanup(async () => {
      await replicaThreads.release(path);
      await store.close();
    });
    return { store, race: replicaThreads.race(path) };
  });

const postgres = test
  // Migrated once for the file; each test gets a copy, which is quicker than migrating anew.
  .extend("migratedDatabase", { scope: "file" }, async ({ postgresServer }, { onCleanup }) => {
    const template = await postgresServer.createDatabase();
    onCleanup(() => template.drop());
    await (await openPostgresStore(template.url)).close();
    return template;
  })
  // Each test gets a throwaway database of its own.
  .extend("stores", async ({ postgresServer, migratedDatabase }, { onCleanup }): Promise<StoreUnderTest> => {
    const database = await postgresServer.createDatabase({ template: migratedDatabase.name });
    const store = await openPostgresStore(database.url);
    const replicas = postgresReplicas(database.url, POSTGRES_REPLICAS);
    onCleanup(async () => {
      await replicas.close();
      await store.close();
      await database.drop();
    });
    return { store, race: replicas.race };
  });

/** The contract's tests on one adapter's `stores` fixture. */
function contractOn(
  api: (name: string, fn: (context: { stores: StoreUnderTest }) => Promise<void>) => void,
): ContractTest {
  return (name, body) => api(name, ({ stores }) => body(stores));
}

describe("CertificateStore contract: SQLite", () => {
  certificateStoreContract(contractOn(sqlite));
});

describe("CertificateStore contract: PostgreSQL", () => {
  certificateStoreContract(contractOn(postgres));
});

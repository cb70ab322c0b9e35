import type { OperationDefinition } from "@edge-pki/api-contract";
import { test as base } from "vitest";
import type { Handlers } from "../../src/http/handler.js";
import { type FakeClock, fakeClock } from "./clock.js";
import { startTestVault, type TestVault } from "./key-vault.js";
import { type TempDir, tempDir } from "./openssl.js";
import { type OperationsServer, type OperationsServerOptions, serveOperations } from "./operations-app.js";
import { type PostgresServer, requirePostgresServer, type ThrowawayDatabase } from "./postgres.js";
import { type ReplicaProcess, startReplicaProcesses } from "./replica-processes.js";
import { startTestService, type TestService, type TestServiceOptions } from "./service.js";

/** Processes the `replicas` fixture starts besides `service`: three replicas in all. */
export const REPLICA_PROCESSES = 2;

/**
 * The test API with the shared setup as fixtures; see test/README.md. A fixture starts only when a
 * test (or a fixture it needs) names it, and stops when its scope ends: a file-scoped one after the
 * file's last test, a test-scoped one after the test, whether it passed or not.
 */
export const test = base
  // A scratch folder for the file: CSRs, keys, CRLs, data folders of CLI runs.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
  .extend("dataDir", { scope: "file" }, async ({}, { onCleanup }): Promise<TempDir> => {
    const dir = await tempDir();
    onCleanup(() => dir.remove());
    return dir;
  })
  // A clock the file moves forward (offset 0 until then). Services see it only when a file passes it
  // on: test.override("serviceOptions", ({ clock }) => ({ clock })).
  .extend("clock", { scope: "file" }, (): FakeClock => fakeClock())
  // What the file's service starts with; a file changes it with test.override.
  .extend("serviceOptions", { scope: "file" }, {} as TestServiceOptions)
  // The file's one service, shared by its tests (so they share its store, too).
  .extend("service", { scope: "file" }, async ({ serviceOptions }, { onCleanup }): Promise<TestService> => {
    const service = await startTestService(serviceOptions);
    onCleanup(() => service.dispose());
    return service;
  })
  // Where the other replicas of `service` (`replica`, `replicas`) keep their files: the same folder (so
  // the same local CA keys), or each one of its own, empty, as a fresh container's (for key stores
  // that live elsewhere).
  .extend("replicaDataDir", { scope: "file" }, "shared" as "shared" | "own")
  // A second replica of the file's service: same settings, so the same store when that is shared.
  .extend(
    "replica",
    { scope: "file" },
    async ({ service, serviceOptions, replicaDataDir }, { onCleanup }): Promise<TestService> => {
      const replica = await startTestService({
        ...serviceOptions,
        dataDir: replicaDataDir === "shared" ? service.dataDir : undefined,
      });
      onCleanup(() => replica.dispose());
      return replica;
    },
  )
  // Two more replicas of the file's service, each the built CLI (`edge-pki-ca start`) in an OS process
  // of its own, with the same settings: with `service`, three processes on one store. They see the
  // system clock, not the file's, and stop before `service`.
  .extend(
    "replicas",
    { scope: "file" },
    async ({ service, serviceOptions, replicaDataDir }, { onCleanup }): Promise<ReplicaProcess[]> => {
      const replicas = await startReplicaProcesses(REPLICA_PROCESSES, {
        env: serviceOptions.env,
        dataDir: replicaDataDir === "shared" ? service.dataDir : undefined,
      });
      onCleanup(() => Promise.all(replicas.map((replica) => replica.dispose())).then(() => {}));
      return replicas;
    },
  )
  // Starts services of the test's own (other settings, another CA); they stop when the test ends.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
  .extend("startService", async ({}, { onCleanup }) => {
    const started: TestService[] = [];
    // Latest first: a replica on another's data folder stops before the owner deletes the folder.
    onCleanup(async () => {
      for (const service of started.reverse()) await service.dispose();
    });
    return async (options: TestServiceOptions = {}): Promise<TestService> => {
      const service = await startTestService(options);
      started.push(service);
      return service;
    };
  })
  // Serves operations of a test's own table over the file's service (its store, CA and clock) through
  // the real HTTP machinery; every server it started closes when the test ends.
  .extend("serveOperations", async ({ service }, { onCleanup }) => {
    const servers: OperationsServer[] = [];
    onCleanup(async () => {
      for (const server of servers) await server.close();
    });
    return async <Table extends Record<string, OperationDefinition>>(
      table: Table,
      handlers: Handlers<Table>,
      options: OperationsServerOptions = {},
    ): Promise<OperationsServer> => {
      const server = await serveOperations(service.context, table, handlers, options);
      servers.push(server);
      return server;
    };
  })
  // The Key Vault emulator on 127.0.0.1, with the official SDK clients pointed at it.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
  .extend("vault", { scope: "file" }, async ({}, { onCleanup }): Promise<TestVault> => {
    const vault = await startTestVault();
    onCleanup(() => vault.stop());
    return vault;
  })
  // The PostgreSQL server from EDGE_PKI_TEST_POSTGRES_URL: in CI a missing one fails the test,
  // elsewhere it skips it with the reason (see support/postgres.ts).
  .extend("postgresServer", { scope: "file" }, (): Promise<PostgresServer> => requirePostgresServer())
  // A throwaway database for the file, dropped after its last test.
  .extend(
    "postgres",
    { scope: "file" },
    async ({ postgresServer }, { onCleanup }): Promise<ThrowawayDatabase> => {
      const database = await postgresServer.createDatabase();
      onCleanup(() => database.drop());
      return database;
    },
  );

export const it = test;

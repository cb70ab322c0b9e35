import type { ChildProcess } from "node:child_process";
import { startCli, stopCli } from "./cli.js";
import { type TempDir, tempDir } from "./openssl.js";
import { testServiceEnv } from "./service.js";

/**
 * A replica of the service as it runs in production: the built CLI's `edge-pki-ca start`, in an OS
 * process of its own (its own event loop, connection pool, caches and rate-limit budgets). It has no
 * in-process handle (no `context`, no clock of the test's): a test reaches it over HTTP only.
 */
export interface ReplicaProcess {
  /** Where the current run listens (port 0: each run gets a new port). */
  readonly url: string;
  readonly dataDir: string;
  /** Stops (SIGTERM, as a pod's eviction), then starts again on the same data folder and settings. */
  restart(): Promise<void>;
  /** Stops it and deletes the data folder, if this handle created it. */
  dispose(): Promise<void>;
}

export interface ReplicaProcessOptions {
  /** Another replica's data folder (so its local CA keys); a fresh, empty one otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
}

/** Starts `edge-pki-ca start` on 127.0.0.1, port 0, with the settings a test service has. */
export async function startReplicaProcess(options: ReplicaProcessOptions = {}): Promise<ReplicaProcess> {
  const owned: TempDir | undefined =
    options.dataDir === undefined ? await tempDir("edge-pki-replica-") : undefined;
  const dataDir = options.dataDir ?? (owned as TempDir).path;
  const env = testServiceEnv(dataDir, options.env);
  let run: { child: ChildProcess; url: string } = await startCli(env);
  return {
    get url() {
      return run.url;
    },
    dataDir,
    restart: async () => {
      await stopCli(run.child);
      run = await startCli(env);
    },
    dispose: async () => {
      await stopCli(run.child);
      await owned?.remove();
    },
  };
}

/**
 * Starts `count` replica processes at once; if one fails to start, the others are stopped before
 * the failure is thrown, so no process outlives the test file.
 */
export async function startReplicaProcesses(
  count: number,
  options: ReplicaProcessOptions,
): Promise<ReplicaProcess[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startReplicaProcess(options)));
  const replicas = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure !== undefined) {
    await Promise.all(replicas.map((replica) => replica.dispose()));
    throw failure.reason;
  }
  return replicas;
}

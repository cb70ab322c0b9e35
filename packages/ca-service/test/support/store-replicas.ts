import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { openPostgresStore } from "../../src/adapters/store/open-store.js";
import type { CertificateStore } from "../../src/ports/certificate-store.js";
import { type TempDir, tempDir } from "./openssl.js";
import { type Outcome, settle } from "./outcome.js";
import { transpileForNode } from "./transpile.js";

/** The store methods that guard a rule against concurrent attempts: what replicas race on. */
export type RacedMethod =
  | "recordIssuance"
  | "recordCaCertificate"
  | "recordEvent"
  | "revoke"
  | "allocateCrlNumber"
  | "publishCrl"
  | "consumeRenewalProof"
  | "recordTokenMint"
  | "revokeApiToken"
  | "recordEstCredential"
  | "revokeEstCredential"
  | "blockEstDevice"
  | "unblockEstDevice"
  | "check";

export type RaceOutcome<M extends RacedMethod> = Outcome<Awaited<ReturnType<CertificateStore[M]>>>;

/**
 * Makes one call of `method` per argument list, all at once, spread over several stores on one
 * database, each with connections of its own, as replicas of the service would. Outcomes come back
 * in the order of `calls`.
 */
export type Race = <M extends RacedMethod>(
  method: M,
  calls: Parameters<CertificateStore[M]>[],
) => Promise<RaceOutcome<M>[]>;

/** Spreads calls over stores: call i on store i mod n. */
function share<T>(calls: T[], stores: number): { store: number; indices: number[] }[] {
  return Array.from({ length: Math.min(stores, calls.length) }, (_, store) => ({
    store,
    indices: calls.map((_, index) => index).filter((index) => index % stores === store),
  }));
}

function invoke(store: CertificateStore, method: RacedMethod, args: unknown[]): Promise<unknown> {
  return (store[method] as (...parameters: unknown[]) => Promise<unknown>).apply(store, args);
}

/**
 * Racing replicas on PostgreSQL: pools of their own on one database, in this process. The server
 * does the concurrency; the calls all start before any is answered.
 */
export function postgresReplicas(url: string, count: number): { race: Race; close(): Promise<void> } {
  let stores: Promise<CertificateStore[]> | undefined;
  const open = () => {
    stores ??= Promise.all(Array.from({ length: count }, () => openPostgresStore(url)));
    return stores;
  };
  return {
    race: async (method, calls) => {
      const replicas = await open();
      return Promise.all(
        calls.map((args, index) =>
          settle(() => invoke(replicas[index % count] as CertificateStore, method, args)),
        ),
      ) as Promise<RaceOutcome<typeof method>[]>;
    },
    close: async () => {
      if (stores !== undefined) for (const store of await stores) await store.close();
    },
  };
}

export type ReplicaRequest =
  | {
      id: number;
      kind: "race";
      path: string;
      method: RacedMethod;
      calls: unknown[][];
      /** Shared memory the replicas wait on; the main thread sets it to 1 to let them all go. */
      gate: Int32Array;
    }
  | { id: number; kind: "close"; path: string };

export type ReplicaReply =
  | { id: number; kind: "ready" }
  | { id: number; kind: "outcomes"; outcomes: Outcome<unknown>[] }
  | { id: number; kind: "done" }
  | { id: number; kind: "failed"; error: string };

const WORKER_SOURCE = fileURLToPath(new URL("./sqlite-replica-worker.ts", import.meta.url));

interface Pending {
  ready(): void;
  settled(reply: ReplicaReply): void;
  failed(error: Error): void;
}

/**
 * Racing replicas on SQLite: threads of their own, each with its own connection to the file, as
 * separate processes would have. better-sqlite3 blocks its thread while it waits for a lock, so
 * stores sharing this thread cannot race: the one waiting would hold up the one it waits for.
 */
export class SqliteReplicaThreads {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  private constructor(
    private readonly workers: Worker[],
    private readonly dir: TempDir,
  ) {
    for (const worker of workers) {
      worker.on("message", (reply: ReplicaReply) => {
        const waiting = this.pending.get(reply.id);
        if (reply.kind === "ready") waiting?.ready();
        else waiting?.settled(reply);
      });
      const fail = (error: Error) => {
        for (const waiting of this.pending.values()) waiting.failed(error);
      };
      worker.on("error", fail);
      worker.on("exit", (code) => fail(new Error(`a replica thread exited (${code})`)));
    }
  }

  static async start(count: number): Promise<SqliteReplicaThreads> {
    const dir = await tempDir("edge-pki-replicas-");
    const entry = await transpileForNode(WORKER_SOURCE, dir.path);
    const workers = Array.from({ length: count }, () => new Worker(new URL(entry)));
    await Promise.all(workers.map((worker) => once(worker, "online")));
    return new SqliteReplicaThreads(workers, dir);
  }

  /** Races on the SQLite file at `path`; each thread opens its store there on first use. */
  race(path: string): Race {
    return async (method, calls) => {
      const gate = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      const shares = share(calls, this.workers.length).map(({ store, indices }) => {
        const args = indices.map((index) => calls[index] as unknown[]);
        const request = { kind: "race", path, method, calls: args, gate } as const;
        return { indices, ...this.ask(store, request) };
      });
      // Everyone waits at the gate before anyone goes; a replica that failed to open is not waited for.
      await Promise.allSettled(shares.map(({ ready }) => ready));
      Atomics.store(gate, 0, 1);
      Atomics.notify(gate, 0);
      const outcomes: RaceOutcome<typeof method>[] = [];
      for (const { indices, reply } of shares) {
        const answer = await reply;
        if (answer.kind !== "outcomes") throw new Error(`unexpected reply from a replica: ${answer.kind}`);
        answer.outcomes.forEach((outcome, position) => {
          outcomes[indices[position] as number] = outcome as RaceOutcome<typeof method>;
        });
      }
      return outcomes;
    };
  }

  /** Closes every thread's store on `path` (before the file goes). */
  async release(path: string): Promise<void> {
    await Promise.all(this.workers.map((_, index) => this.ask(index, { kind: "close", path }).reply));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    await this.dir.remove();
  }

  private ask(
    worker: number,
    request:
      | Omit<Extract<ReplicaRequest, { kind: "race" }>, "id">
      | Omit<Extract<ReplicaRequest, { kind: "close" }>, "id">,
  ): { ready: Promise<void>; reply: Promise<ReplicaReply> } {
    const id = this.nextId++;
    let markReady = () => {};
    const ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    const reply = new Promise<ReplicaReply>((resolve, reject) => {
      this.pending.set(id, {
        ready: markReady,
        settled: (answer) => {
          this.pending.delete(id);
          markReady();
          if (answer.kind === "failed") reject(new Error(`a replica failed: ${answer.error}`));
          else resolve(answer);
        },
        failed: (error) => {
          this.pending.delete(id);
          markReady();
          reject(error);
        },
      });
    });
    (this.workers[worker] as Worker).postMessage({ ...request, id });
    return { ready, reply };
  }
}

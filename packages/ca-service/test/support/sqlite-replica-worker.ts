import { parentPort } from "node:worker_threads";
import { openSqliteStore } from "../../src/adapters/store/open-store.js";
import type { CertificateStore } from "../../src/ports/certificate-store.js";
import { settle } from "./outcome.js";
import type { ReplicaReply, ReplicaRequest } from "./store-replicas.js";

/**
 * One replica of a SQLite-backed service, in a thread of its own (see store-replicas.ts): it opens
 * the store on a database file as `openSqliteStore` does in production, waits at the gate with the
 * other replicas, then makes its calls. Runs transpiled, as plain JavaScript (support/transpile.ts).
 */
const port = parentPort;
if (port === null) throw new Error("sqlite-replica-worker runs as a worker thread");

/** How long a replica waits at the gate before giving up: a bound, not a timing assertion. */
const GATE_TIMEOUT_MS = 30_000;

const stores = new Map<string, Promise<CertificateStore>>();

function storeOn(path: string): Promise<CertificateStore> {
  let store = stores.get(path);
  if (store === undefined) {
    store = openSqliteStore(path);
    stores.set(path, store);
  }
  return store;
}

async function handle(request: ReplicaRequest): Promise<ReplicaReply> {
  if (request.kind === "close") {
    const store = stores.get(request.path);
    stores.delete(request.path);
    await (await store)?.close();
    return { id: request.id, kind: "done" };
  }
  const store = await storeOn(request.path);
  port?.postMessage({ id: request.id, kind: "ready" } satisfies ReplicaReply);
  // Blocks this thread (not the others) until the main thread opens the gate for every replica.
  if (Atomics.wait(request.gate, 0, 0, GATE_TIMEOUT_MS) === "timed-out") {
    throw new Error(`the gate stayed shut for ${GATE_TIMEOUT_MS} ms`);
  }
  const method = store[request.method] as (...args: unknown[]) => Promise<unknown>;
  const outcomes = await Promise.all(request.calls.map((args) => settle(() => method.apply(store, args))));
  return { id: request.id, kind: "outcomes", outcomes };
}

port.on("message", (request: ReplicaRequest) => {
  handle(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ id: request.id, kind: "failed", error: String(error) }),
  );
});

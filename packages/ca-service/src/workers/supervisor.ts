import cluster, { type Worker } from "node:cluster";
import { once } from "node:events";
import { gatherWorkerMetrics } from "../adapters/metrics/gather-worker-metrics.js";
import type { Logger } from "../logger.js";
import { watchLiveness } from "./liveness.js";
import { isWorkerMessage, type WorkerMessage } from "./messages.js";
import { RestartBudget } from "./restart-budget.js";

/** Workers replaced at the most within a minute before the service gives up (see `RestartBudget`). */
const RESTARTS_PER_MINUTE = 5;

export interface WorkerPool {
  /** Where the workers serve: one port, shared (the primary hands each connection to a worker). */
  url: string;
  /** Drains every worker (SIGTERM) and waits for all; 0 when every one stopped cleanly, else 1. */
  stop(): Promise<number>;
  /** Settles with the exit status once every worker is gone: stopped, or past the restart budget. */
  ended: Promise<number>;
}

/**
 * Runs `count` workers of this same command (`cluster.fork` runs the CLI again with its arguments
 * and environment; `cluster.isWorker` tells it to serve only) and keeps them running:
 *
 * - **Start:** resolves when every worker serves; if one exits before, the others are stopped and
 *   the start fails (the worker printed why).
 * - **A worker that dies** (killed, or exiting non-zero) is replaced, within a restart budget; past
 *   it the others are stopped and `ended` settles with 1. A worker that exits cleanly was told to
 *   stop (SIGTERM, or Ctrl-C, which signals every process of the terminal) and is not replaced.
 * - **Stop:** every worker gets SIGTERM and drains: it stops accepting, finishes the requests under
 *   way (each committed before it is answered) and closes its store.
 * - **A worker that stops answering** the primary's pings for `unresponsiveSeconds` (0: never
 *   checked) is killed, and so replaced like one that died (see `watchLiveness`).
 * - **Token revocations** a worker makes are relayed to every other one, and acknowledged, before
 *   the revoking request is answered (see `siblingChannel`).
 */
export function superviseWorkers(
  count: number,
  logger: Logger,
  options: { unresponsiveSeconds: number },
): Promise<WorkerPool> {
  return new Promise((resolve, reject) => {
    const budget = new RestartBudget(RESTARTS_PER_MINUTE, 60_000);
    const serving = new Set<Worker>();
    /** Workers whose sibling channel is open: they answer what they are told (see `siblingChannel`). */
    const reachable = new Set<Worker>();
    const tells = new Map<number, { worker: Worker; done(): void }>();
    let nextAsk = 0;
    let url: string | undefined;
    let started = false;
    /** Why a worker could not serve, as the first one to fail said. */
    let cannotServe: string | undefined;
    let stopping: Promise<number> | undefined;
    let settleEnded: (code: number) => void = () => {};
    const ended = new Promise<number>((settle) => {
      settleEnded = settle;
    });

    const live = () =>
      Object.values(cluster.workers ?? {}).filter(
        (worker): worker is Worker => worker !== undefined && !worker.isDead(),
      );

    const send = (worker: Worker, message: WorkerMessage, failed: () => void = () => {}) => {
      if (!worker.isConnected()) return failed();
      worker.send(message, undefined, (error) => {
        if (error) failed();
      });
    };

    const liveness =
      options.unresponsiveSeconds > 0
        ? watchLiveness({
            unresponsiveMs: options.unresponsiveSeconds * 1000,
            send: (worker, message) => send(worker, message),
            onUnresponsive: (worker, silentMs) => {
              if (stopping !== undefined) return;
              logger.error(`a worker did not answer for ${Math.round(silentMs / 1000)} s; killing it`, {
                worker: worker.id,
                pid: worker.process.pid,
              });
              worker.process.kill("SIGKILL");
            },
          })
        : undefined;

    const tell = (worker: Worker, tokenId: string) =>
      new Promise<void>((done) => {
        const ask = nextAsk++;
        tells.set(ask, { worker, done });
        send(worker, { kind: "edge-pki:revoked-by-sibling", tokenId, ask }, () => {
          tells.delete(ask);
          done();
        });
      });

    const stop = (): Promise<number> => {
      liveness?.stop();
      stopping ??= Promise.all(
        live().map(
          (worker) =>
            new Promise<number | null>((exited) => {
              worker.once("exit", (code) => exited(code));
              worker.process.kill("SIGTERM");
            }),
        ),
      ).then((codes) => (codes.every((code) => code === 0) ? 0 : 1));
      return stopping;
    };

    const onMessage = (worker: Worker, message: unknown) => {
      if (!isWorkerMessage(message)) return;
      switch (message.kind) {
        case "edge-pki:channel-open":
          reachable.add(worker);
          return;
        case "edge-pki:serving":
          serving.add(worker);
          liveness?.watch(worker);
          url ??= message.url;
          logger.info("worker serving", { worker: worker.id, pid: worker.process.pid });
          if (!started && serving.size === count) {
            started = true;
            resolve({ url, stop, ended });
          }
          return;
        case "edge-pki:cannot-serve":
          cannotServe ??= message.reason;
          return;
        case "edge-pki:token-revoked": {
          const others = [...reachable].filter((other) => other !== worker && !other.isDead());
          void Promise.all(others.map((other) => tell(other, message.tokenId))).then(() =>
            send(worker, { kind: "edge-pki:told", ask: message.ask }),
          );
          return;
        }
        case "edge-pki:taken":
          tells.get(message.ask)?.done();
          tells.delete(message.ask);
          return;
        case "edge-pki:pong":
          liveness?.answered(worker);
          return;
        case "edge-pki:gather-metrics":
          void gatherWorkerMetrics().then(
            (text) => send(worker, { kind: "edge-pki:metrics", ask: message.ask, text }),
            (error: Error) =>
              send(worker, { kind: "edge-pki:metrics", ask: message.ask, error: error.message }),
          );
          return;
      }
    };

    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      serving.delete(worker);
      reachable.delete(worker);
      liveness?.forget(worker);
      for (const [ask, waiting] of tells) {
        if (waiting.worker !== worker) continue;
        tells.delete(ask);
        waiting.done();
      }
      const gone = () => {
        if (live().length === 0) void (stopping ?? Promise.resolve(0)).then(settleEnded);
      };
      if (stopping !== undefined) return gone();
      const exit = { worker: worker.id, pid: worker.process.pid, code, signal };
      if (!started) {
        // The start fails with one line, the CLI's: why the first worker that said so could not
        // serve, else how it exited. A worker's messages are all read once its channel has closed,
        // which may come after its exit.
        const read = worker.isConnected() ? once(worker, "disconnect") : undefined;
        void Promise.all([stop(), read]).then(() => {
          reject(new Error(cannotServe ?? `a worker exited (${signal ?? `code ${code}`}) before it served`));
          settleEnded(1);
        });
        return;
      }
      if (code === 0) return gone();
      if (budget.allow(Date.now())) {
        logger.warn("a worker exited; starting a replacement", exit);
        fork();
        return;
      }
      logger.error(
        `workers exited more than ${budget.max} times within a minute; stopping the service`,
        exit,
      );
      void stop().then(() => settleEnded(1));
    };

    const fork = () => {
      const worker = cluster.fork();
      worker.on("message", (message: unknown) => onMessage(worker, message));
      worker.on("exit", (code, signal) => onExit(worker, code, signal));
    };

    for (let index = 0; index < count; index++) fork();
  });
}

import type { Worker } from "node:cluster";
import { isWorkerMessage, tellPrimary, type WorkerMessage } from "./messages.js";

export interface LivenessWatch {
  /** Starts watching a worker that serves: it must answer from now on. */
  watch(worker: Worker): void;
  /** The worker answered a ping. */
  answered(worker: Worker): void;
  /** Stops watching a worker (it exited). */
  forget(worker: Worker): void;
  /** Stops watching every worker (the service stops). */
  stop(): void;
}

/**
 * The primary's check that each serving worker's event loop still turns: it pings every worker a
 * few times per `unresponsiveMs`, and one that has answered none of them for longer than that (an
 * endless loop, a process stopped with SIGSTOP, a deadlocked native call) is handed to
 * `onUnresponsive`, which kills it so that it is replaced. Without this the primary would go on
 * handing it connections that nobody answers. A worker busy serving still answers within
 * milliseconds: IPC messages wait only for the current turn of its event loop.
 */
export function watchLiveness(options: {
  unresponsiveMs: number;
  send(worker: Worker, message: WorkerMessage): void;
  onUnresponsive(worker: Worker, silentMs: number): void;
}): LivenessWatch {
  const lastAnswer = new Map<Worker, number>();
  const timer = setInterval(
    () => {
      const now = Date.now();
      for (const [worker, answeredAt] of lastAnswer) {
        const silentMs = now - answeredAt;
        if (silentMs > options.unresponsiveMs) {
          lastAnswer.delete(worker);
          options.onUnresponsive(worker, silentMs);
        } else {
          options.send(worker, { kind: "edge-pki:ping" });
        }
      }
    },
    Math.max(100, Math.floor(options.unresponsiveMs / 4)),
  ).unref();
  return {
    watch: (worker) => lastAnswer.set(worker, Date.now()),
    answered: (worker) => {
      if (lastAnswer.has(worker)) lastAnswer.set(worker, Date.now());
    },
    forget: (worker) => lastAnswer.delete(worker),
    stop: () => {
      clearInterval(timer);
      lastAnswer.clear();
    },
  };
}

/** A worker's side: answers the primary's pings, from its event loop, for as long as it runs. */
export function answerPings(): void {
  process.on("message", (message: unknown) => {
    if (isWorkerMessage(message) && message.kind === "edge-pki:ping")
      void tellPrimary({ kind: "edge-pki:pong" });
  });
}

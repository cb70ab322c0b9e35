import { REVOCATION_REFRESH_MS } from "../app/revocation-list.js";
import type { SiblingWorkers } from "../ports/sibling-workers.js";
import { isWorkerMessage, tellPrimary } from "./messages.js";

/**
 * A worker's line to its siblings, through the primary (see `superviseWorkers`). Opened as the worker
 * starts, before it serves; the primary tells a worker of revocations once its channel is open, and
 * one announced before the worker has a revocation list of its own is acknowledged and dropped,
 * which is safe, since that list's first read comes after it.
 */
export function siblingChannel(): SiblingWorkers {
  let listener: ((tokenId: string) => void) | undefined;
  const waiting = new Map<number, () => void>();
  const gathering = new Map<number, { resolve(text: string): void; reject(error: Error): void }>();
  let nextAsk = 0;
  process.on("message", (message: unknown) => {
    if (!isWorkerMessage(message)) return;
    if (message.kind === "edge-pki:revoked-by-sibling") {
      listener?.(message.tokenId);
      void tellPrimary({ kind: "edge-pki:taken", ask: message.ask });
    } else if (message.kind === "edge-pki:told") {
      waiting.get(message.ask)?.();
    } else if (message.kind === "edge-pki:metrics") {
      const asked = gathering.get(message.ask);
      gathering.delete(message.ask);
      if (message.text !== undefined) asked?.resolve(message.text);
      else asked?.reject(new Error(`the metrics of the workers could not be gathered: ${message.error}`));
    }
  });
  void tellPrimary({ kind: "edge-pki:channel-open" });
  return {
    announceTokenRevoked(tokenId) {
      return new Promise<void>((resolve) => {
        const ask = nextAsk++;
        // A bound: siblings that have not answered by then re-read the list from the store anyway.
        const timer = setTimeout(() => done(), REVOCATION_REFRESH_MS).unref();
        const done = () => {
          clearTimeout(timer);
          waiting.delete(ask);
          resolve();
        };
        waiting.set(ask, done);
        void tellPrimary({ kind: "edge-pki:token-revoked", tokenId, ask }).then((sent) => {
          if (!sent) done();
        });
      });
    },
    onTokenRevoked(receive) {
      listener = receive;
    },
    gatherMetrics() {
      return new Promise<string>((resolve, reject) => {
        const ask = nextAsk++;
        gathering.set(ask, { resolve, reject });
        void tellPrimary({ kind: "edge-pki:gather-metrics", ask }).then((sent) => {
          if (sent) return;
          gathering.delete(ask);
          reject(new Error("the metrics of the workers could not be gathered: the primary is gone"));
        });
      });
    },
  };
}

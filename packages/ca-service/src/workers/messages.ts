/**
 * What the primary process and its workers say to each other over the cluster's IPC channel. Each
 * message names its kind; `ask` pairs a question with its answer.
 */
export type WorkerMessage =
  /** worker → primary: listening for messages (its first act), so it answers `revoked-by-sibling`. */
  | { kind: "edge-pki:channel-open" }
  /** worker → primary: serving at `url`. */
  | { kind: "edge-pki:serving"; url: string }
  /** worker → primary: could not start serving, and why; it exits next. */
  | { kind: "edge-pki:cannot-serve"; reason: string }
  /** worker → primary: this worker revoked a token; tell the others, then answer `told`. */
  | { kind: "edge-pki:token-revoked"; tokenId: string; ask: number }
  /** primary → worker: the others have it (or are gone). */
  | { kind: "edge-pki:told"; ask: number }
  /** primary → worker: a sibling revoked a token; answer `taken`. */
  | { kind: "edge-pki:revoked-by-sibling"; tokenId: string; ask: number }
  /** worker → primary: refused here from now on. */
  | { kind: "edge-pki:taken"; ask: number }
  /** worker → primary: gather every worker's metrics, then answer `metrics`. */
  | { kind: "edge-pki:gather-metrics"; ask: number }
  /** primary → worker: the metrics of every worker, or why they could not be gathered. */
  | { kind: "edge-pki:metrics"; ask: number; text?: string; error?: string }
  /** primary → worker: still there? (see `watchLiveness`) */
  | { kind: "edge-pki:ping" }
  /** worker → primary: yes. */
  | { kind: "edge-pki:pong" };

/** A message of ours (the channel may carry others, such as Node's own cluster messages). */
export function isWorkerMessage(message: unknown): message is WorkerMessage {
  const kind = (message as { kind?: unknown } | null)?.kind;
  return typeof kind === "string" && kind.startsWith("edge-pki:");
}

/**
 * Sends a worker's message to its primary; resolves with whether it was sent. A primary that is gone
 * (killed, or exiting on a signal while this worker still starts) resolves false instead of raising
 * an unhandled `error` on the worker, which would end it with a stack trace: the channel's
 * `disconnect` stops the worker.
 */
export function tellPrimary(message: WorkerMessage): Promise<boolean> {
  return new Promise<boolean>((settled) => {
    if (process.send === undefined) return settled(false);
    process.send(message, undefined, {}, (error: Error | null) => settled(error === null));
  });
}

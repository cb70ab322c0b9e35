/**
 * The other worker processes of this service, when it runs several (`EDGE_PKI_WORKERS`): what one
 * of them decides that the others must honour at once, and cannot wait to read from the store.
 */
export interface SiblingWorkers {
  /** Tells every sibling of a token this worker revoked; resolves once each has it, or is gone. */
  announceTokenRevoked(tokenId: string): Promise<void>;
  /** Calls `listener` for each token a sibling revoked. */
  onTokenRevoked(listener: (tokenId: string) => void): void;
  /** The metrics of every worker, gathered by the primary, in the Prometheus text format. */
  gatherMetrics(): Promise<string>;
}

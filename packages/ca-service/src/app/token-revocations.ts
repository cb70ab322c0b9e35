import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { SiblingWorkers } from "../ports/sibling-workers.js";

/** How stale a replica's view of revoked tokens may get: a revocation elsewhere bites within this. */
export const TOKEN_REVOCATION_REFRESH_MS = 2_000;

/**
 * The ids of revoked API tokens, as the store has them, re-read when the copy is older than the
 * refresh interval: one query every two seconds at most, and none while the service is idle. There
 * is no timer to stop. If the store cannot be read, the last copy stands and the next check retries.
 */
export class TokenRevocations {
  private revoked = new Set<string>();
  /** Revoked here, and not yet seen in a read (one already under way may predate the commit). */
  private readonly revokedHere = new Set<string>();
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly deps: {
      store: Pick<CertificateStore, "listRevokedTokenIds">;
      clock: Clock;
      /** The service's other workers, when it runs several: they refuse a revocation made here at once. */
      siblings?: SiblingWorkers | undefined;
    },
    private readonly onReadFailure: (error: unknown) => void = () => {},
  ) {
    deps.siblings?.onTokenRevoked((tokenId) => this.revokedHere.add(tokenId));
  }

  async isRevoked(tokenId: string): Promise<boolean> {
    if (this.deps.clock.now().getTime() - this.readAt >= TOKEN_REVOCATION_REFRESH_MS) await this.refresh();
    return this.revoked.has(tokenId) || this.revokedHere.has(tokenId);
  }

  /**
   * A revocation this replica made: refused here at once, without waiting for the next read, and by
   * every worker of this service by the time this resolves.
   */
  async markRevoked(tokenId: string): Promise<void> {
    this.revokedHere.add(tokenId);
    await this.deps.siblings?.announceTokenRevoked(tokenId);
  }

  private refresh(): Promise<void> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<void> {
    const now = this.deps.clock.now();
    try {
      const ids = await this.deps.store.listRevokedTokenIds({ unexpiredAt: now });
      this.revoked = new Set(ids);
      for (const id of ids) this.revokedHere.delete(id);
      this.readAt = now.getTime();
    } catch (error) {
      this.onReadFailure(error);
    }
  }
}

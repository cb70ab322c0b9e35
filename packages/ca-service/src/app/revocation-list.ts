import type { Clock } from "../ports/clock.js";
import type { SiblingWorkers } from "../ports/sibling-workers.js";
import { PeriodicRead } from "./periodic-read.js";

/** How stale a replica's view of revoked credentials may get: a revocation elsewhere bites within this. */
export const REVOCATION_REFRESH_MS = 2_000;

/** Reads the ids of revoked credentials (API tokens, EST credentials) that have not expired. */
export type ListRevokedIds = (options: { unexpiredAt: Date }) => Promise<string[]>;

/**
 * The ids of revoked credentials of one kind, as the store has them, re-read when the copy is older
 * than the refresh interval: one query every two seconds at most, and none while the service is
 * idle. There is no timer to stop. If the store cannot be read, the last copy stands and the next
 * check retries.
 */
export class RevocationList {
  private revoked = new Set<string>();
  /** Revoked here, and not yet seen in a read (one already under way may predate the commit). */
  private readonly revokedHere = new Set<string>();
  private readonly reads: PeriodicRead;

  constructor(
    private readonly deps: {
      listRevoked: ListRevokedIds;
      clock: Clock;
      /**
       * For API tokens, the service's other workers, when it runs several: they refuse a revocation
       * made here at once, instead of at their next read.
       */
      siblings?: SiblingWorkers | undefined;
    },
    onReadFailure: (error: unknown) => void = () => {},
  ) {
    this.reads = new PeriodicRead(deps.clock, REVOCATION_REFRESH_MS, (now) => this.read(now), onReadFailure);
    deps.siblings?.onTokenRevoked((id) => this.revokedHere.add(id));
  }

  async isRevoked(id: string): Promise<boolean> {
    await this.reads.ensureFresh();
    return this.revoked.has(id) || this.revokedHere.has(id);
  }

  /**
   * A revocation this replica made: refused here at once, without waiting for the next read, and by
   * every worker of this service (with `siblings`) by the time this resolves.
   */
  async markRevoked(id: string): Promise<void> {
    this.revokedHere.add(id);
    await this.deps.siblings?.announceTokenRevoked(id);
  }

  private async read(now: Date): Promise<void> {
    const ids = await this.deps.listRevoked({ unexpiredAt: now });
    this.revoked = new Set(ids);
    for (const id of ids) this.revokedHere.delete(id);
  }
}

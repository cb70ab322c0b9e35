import type { Clock } from "../ports/clock.js";

/**
 * A view of the store kept by re-reading it: `ensureFresh` reads again once the last successful read
 * is `intervalMs` old (by `clock`), one read at a time, and never while the service is idle: there
 * is no timer to stop. A read that fails is reported; the last view stands and the next call retries.
 */
export class PeriodicRead {
  private readAt = Number.NEGATIVE_INFINITY;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
    private readonly read: (now: Date) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  ensureFresh(): Promise<void> {
    if (this.clock.now().getTime() - this.readAt < this.intervalMs) return Promise.resolve();
    this.reading ??= this.attempt().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async attempt(): Promise<void> {
    const now = this.clock.now();
    try {
      await this.read(now);
      this.readAt = now.getTime();
    } catch (error) {
      this.onFailure(error);
    }
  }
}

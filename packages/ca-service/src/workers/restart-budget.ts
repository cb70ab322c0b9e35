/**
 * How many workers may be replaced within a window. A worker that dies now and then is replaced;
 * one that keeps dying (a store that refuses every start, a fault on every request) would make a
 * respawn loop that hides the fault, so past the budget the service stops instead and says why.
 */
export class RestartBudget {
  private readonly restarts: number[] = [];

  constructor(
    readonly max: number,
    readonly windowMs: number,
  ) {}

  /** Whether one more restart at `nowMs` fits; counts it if so. */
  allow(nowMs: number): boolean {
    while (this.restarts.length > 0 && (this.restarts[0] as number) <= nowMs - this.windowMs) {
      this.restarts.shift();
    }
    if (this.restarts.length >= this.max) return false;
    this.restarts.push(nowMs);
    return true;
  }
}

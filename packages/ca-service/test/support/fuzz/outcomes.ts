import { fuzzRuns } from "./settings.js";

/**
 * How a property's runs ended, by name: a property whose every run took the same branch (all
 * refused, say) proves less than it seems, so a property that needs both asserts it saw both.
 */
export class Outcomes {
  private readonly counts = new Map<string, number>();

  note(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  count(outcome: string): number {
    return this.counts.get(outcome) ?? 0;
  }

  /**
   * Fails unless each outcome was seen, when the property ran at least `minimumRuns` times (a
   * replay or a FUZZ_RUNS=1 smoke run is too short to promise anything).
   */
  expectSeen(outcomes: readonly string[], defaultRuns: number, minimumRuns = 50): void {
    if (fuzzRuns(defaultRuns) < minimumRuns || process.env.FUZZ_PATH) return;
    const missing = outcomes.filter((outcome) => this.count(outcome) === 0);
    if (missing.length > 0) {
      throw new Error(`never saw ${missing.join(", ")} in ${fuzzRuns(defaultRuns)} runs: ${this.toString()}`);
    }
  }

  toString(): string {
    return [...this.counts].map(([outcome, count]) => `${outcome} ${count}`).join(", ");
  }
}

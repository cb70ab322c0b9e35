import type { Clock } from "../../src/ports/clock.js";

/** The system clock shifted by an offset that a test moves forward: time travel without waiting. */
export interface FakeClock extends Clock {
  advance(milliseconds: number): void;
  /** Seconds since the epoch, for JWT claims made to match the service's time. */
  epochSeconds(): number;
}

export function fakeClock(): FakeClock {
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  return {
    now,
    advance: (milliseconds) => {
      offset += milliseconds;
    },
    epochSeconds: () => Math.floor(now().getTime() / 1000),
  };
}

/** A clock stopped at one instant: budgets never refill and every request falls in one minute. */
export interface PinnedClock extends Clock {
  /** The instant it shows. */
  readonly at: Date;
}

export function pinnedClock(at: Date = new Date()): PinnedClock {
  return { at, now: () => new Date(at) };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
export const HOUR_MS = 60 * 60 * 1000;

import { constants } from "node:os";

const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;

export interface StopSignals {
  /**
   * From now on a stop signal (or one of `events`) runs `stop` once, however often it comes, then
   * exits with its status. Set it before telling anyone the service is up: whoever is told may
   * signal at once.
   */
  stopWith(stop: () => Promise<number>, events?: readonly string[]): void;
}

/**
 * Listens for SIGINT and SIGTERM for the rest of the process's life, with one listener each that is
 * never removed: taking a signal's last listener off closes Node's watcher for it, and a signal
 * caught but not yet handed to JavaScript is then dropped. A supervisor that signals right after
 * the start would have seen the service ignore it.
 *
 * Until `stopWith` is called there is nothing to drain, and a signal ends the process at once with
 * the status its default action gives (128 + its number): Node run as a container's PID 1 has no
 * default action and would ignore SIGTERM until the orchestrator kills it. Work stopped half-way (a
 * migration, the CA's creation) is finished by the next start.
 */
export function listenForStopSignals(): StopSignals {
  let stop: (() => Promise<number>) | undefined;
  let stopping: Promise<number> | undefined;
  const onStop = (signal: unknown) => {
    if (stop === undefined) {
      process.exit(128 + (constants.signals[signal as NodeJS.Signals] ?? 0));
    }
    stopping ??= stop().catch(() => 1);
    void stopping.then((code) => process.exit(code));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onStop);
  return {
    stopWith(action, events = []) {
      stop = action;
      for (const event of events) process.on(event, onStop);
    },
  };
}

import { Bar, Presets } from "cli-progress";
import type { DeviceOutcome } from "./run-batch.js";

/** Counts as the batch goes. */
export interface Tally {
  issued: number;
  alreadyComplete: number;
  failed: number;
}

export interface Progress {
  record(outcome: DeviceOutcome): void;
  finish(): void;
}

/** Plain lines no more often than this, so a log is not flooded. */
const LINE_INTERVAL_MS = 2_000;

/**
 * A live bar with count, rate and ETA on a terminal (on stderr, so that stdout stays for results);
 * plain progress lines otherwise (CI logs, a line's controller capturing output).
 */
export function startProgress(
  total: number,
  tally: Tally,
  stream: NodeJS.WriteStream = process.stderr,
): Progress {
  const count = (outcome: DeviceOutcome) => {
    if (outcome.status === "issued") tally.issued++;
    else if (outcome.status === "already-complete") tally.alreadyComplete++;
    else tally.failed++;
  };
  if (stream.isTTY) {
    const bar = new Bar(
      {
        format: "{bar} {value}/{total} devices | {speed}/s | ETA {eta_formatted} | {failed} failed",
        stream,
        etaBuffer: 100,
        fps: 10,
      },
      Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { speed: "0", failed: 0 });
    return {
      record(outcome) {
        count(outcome);
        const seconds = (Date.now() - started) / 1000;
        bar.increment(1, {
          speed: (tally.issued / Math.max(seconds, 0.001)).toFixed(0),
          failed: tally.failed,
        });
      },
      finish: () => bar.stop(),
    };
  }
  const started = Date.now();
  let lastLine = started;
  const line = () => {
    const done = tally.issued + tally.alreadyComplete + tally.failed;
    const seconds = (Date.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const eta = rate > 0 ? Math.ceil((total - done) / rate) : 0;
    stream.write(
      `batch: ${done}/${total} devices (${tally.issued} issued, ${tally.alreadyComplete} already complete, ${tally.failed} failed), ${rate.toFixed(0)}/s, ETA ${eta}s\n`,
    );
  };
  return {
    record(outcome) {
      count(outcome);
      if (Date.now() - lastLine >= LINE_INTERVAL_MS) {
        lastLine = Date.now();
        line();
      }
    },
    finish: line,
  };
}

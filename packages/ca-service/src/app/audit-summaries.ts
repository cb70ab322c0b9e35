import type { AuditEvent, CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";

/** An event that may come in floods: audited once, then summarised. */
export type SummarizedEvent = Omit<AuditEvent, "at">;

/** One caller's run of one kind of event within a minute. */
interface Window {
  startedAtMs: number;
  /** How many more came after the one written when the window opened. */
  repeated: number;
  lastAtMs: number;
  outcome: AuditEvent["outcome"];
  /** A few distinct targets, to show what the flood was about. */
  targets: Set<string>;
  timer: NodeJS.Timeout | undefined;
}

const WINDOW_MS = 60_000;
const SAMPLE_TARGETS = 5;
/** Callers tracked at the most; beyond that the oldest windows are summarised early. */
const MAX_WINDOWS = 10_000;

/**
 * Audits events a client can cause in bulk (refused revocations, idempotent replays, rate-limit
 * refusals) without letting a flood flood the log: per caller and kind of event, the first of each
 * minute is written as it happens, and the rest of that minute as one summary entry (`repeated`, the
 * time span and a few of the targets) when the minute is over, or when the store closes.
 */
export class AuditSummaries {
  private readonly windows = new Map<string, Window>();
  private readonly writes = new Set<Promise<void>>();

  constructor(
    private readonly deps: { store: Pick<CertificateStore, "appendAudit">; clock: Clock },
    private readonly onWriteFailure: (error: unknown) => void = () => {},
  ) {}

  record(event: SummarizedEvent): void {
    const nowMs = this.deps.clock.now().getTime();
    const key = `${event.actor}\u0000${event.action}`;
    const window = this.windows.get(key);
    if (window !== undefined && nowMs < window.startedAtMs + WINDOW_MS) {
      window.repeated += 1;
      window.lastAtMs = nowMs;
      if (event.target !== null && window.targets.size < SAMPLE_TARGETS) window.targets.add(event.target);
      window.timer ??= setTimeout(() => this.close(key), window.startedAtMs + WINDOW_MS - nowMs).unref();
      return;
    }
    if (window !== undefined) this.close(key);
    if (this.windows.size >= MAX_WINDOWS) {
      const oldest = this.windows.keys().next().value;
      if (oldest !== undefined) this.close(oldest);
    }
    this.windows.set(key, {
      startedAtMs: nowMs,
      repeated: 0,
      lastAtMs: nowMs,
      outcome: event.outcome,
      targets: new Set(),
      timer: undefined,
    });
    this.write({ ...event, at: new Date(nowMs) });
  }

  /** Writes every open summary and waits for every write: before the store closes. */
  async flush(): Promise<void> {
    for (const key of [...this.windows.keys()]) this.close(key);
    await Promise.all(this.writes);
  }

  private close(key: string): void {
    const window = this.windows.get(key);
    if (window === undefined) return;
    this.windows.delete(key);
    if (window.timer !== undefined) clearTimeout(window.timer);
    if (window.repeated === 0) return;
    const [actor = "", action = ""] = key.split("\u0000");
    this.write({
      at: new Date(window.lastAtMs),
      actor,
      action,
      target: null,
      outcome: window.outcome,
      details: {
        repeated: window.repeated,
        from: new Date(window.startedAtMs).toISOString(),
        to: new Date(window.lastAtMs).toISOString(),
        targets: [...window.targets],
      },
    });
  }

  private write(event: AuditEvent): void {
    const write = this.deps.store
      .appendAudit(event)
      .catch(this.onWriteFailure)
      .finally(() => this.writes.delete(write));
    this.writes.add(write);
  }
}

import type { ChildProcess } from "node:child_process";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { CertificateStore } from "../../src/ports/certificate-store.js";
import { startCli, stopCli } from "./cli.js";

/** One JSON line of the service's log (stderr). */
export type LogLine = Record<string, unknown> & { message?: string; worker?: number; pid?: number };

/** `edge-pki-ca start|serve` as an operator runs it, in a child process, read through its log. */
export interface CliService {
  url: string;
  child: ChildProcess;
  dataDir: string;
  adminToken: string;
  /** Every JSON line logged so far. */
  log(): LogLine[];
  /** The workers serving now, by worker number: the pid of each one's latest start. */
  workerPids(): Map<number, number>;
  /** SIGTERM; resolves with the exit status. */
  stop(): Promise<number | null>;
}

/**
 * Starts the built CLI on 127.0.0.1, port 0, in `dataDir`, with `workers` workers. Rate limits are
 * off, that for failed authentications too: these tests send many requests at once (and races
 * that many lose), and rate limits have tests of their own.
 */
export async function startCliService(options: {
  dataDir: string;
  workers: number;
  env?: Record<string, string>;
  command?: "start" | "serve";
}): Promise<CliService> {
  const { child, url, stderr } = await startCli(
    {
      EDGE_PKI_DATA_DIR: options.dataDir,
      EDGE_PKI_PORT: "0",
      EDGE_PKI_KEY_PASSPHRASE: "workers test passphrase",
      EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0",
      EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "0",
      EDGE_PKI_WORKERS: String(options.workers),
      ...options.env,
    },
    options.command,
  );
  const log = () =>
    stderr()
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as LogLine);
  return {
    url,
    child,
    dataDir: options.dataDir,
    adminToken: (await readFile(join(options.dataDir, "admin.token"), "utf8")).trim(),
    log,
    workerPids: () => {
      const pids = new Map<number, number>();
      for (const line of log()) {
        if (line.message === "worker serving") pids.set(line.worker as number, line.pid as number);
        // The primary's word on a worker that exited (a worker's own lines carry no pid).
        else if (line.pid !== undefined && /exited/.test(line.message ?? ""))
          pids.delete(line.worker as number);
      }
      return pids;
    },
    stop: () => stopCli(child),
  };
}

/** Which workers answered requests to `path` among `lines` (a slice of the log). */
export function workersThatAnswered(lines: LogLine[], path: string, status?: number): Set<number> {
  return new Set(
    lines
      .filter((line) => line.message === "request" && line.path === path)
      .filter((line) => status === undefined || line.status === status)
      .map((line) => line.worker as number),
  );
}

/** Waits, up to a bound, until `condition` holds; false if it never did. */
export async function eventually(condition: () => boolean, attempts = 300): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (condition()) return true;
    await sleep(100);
  }
  return condition();
}

/** Whether a process is still there (signal 0 only asks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The serial numbers on record for these devices, read from the store itself. */
export async function recordedSerials(store: CertificateStore, deviceIds: string[]): Promise<string[]> {
  const serials: string[] = [];
  for (const deviceId of deviceIds) {
    for (const record of await store.listByDevice(deviceId, { limit: 100 }))
      serials.push(record.serialNumber);
  }
  return serials;
}

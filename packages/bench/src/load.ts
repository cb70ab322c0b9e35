import { performance } from "node:perf_hooks";
import { keepAliveAgent, type PostOutcome, postJson } from "./http-post.js";
import { percentile } from "./percentile.js";
import type { RunResult } from "./result.js";

/** How one server is asked for a certificate, and what counts as having got one. */
export interface IssuanceEndpoint {
  url: URL;
  headers: Record<string, string>;
  body(csrPem: string): string;
  issued(outcome: PostOutcome): boolean;
  /** The server's process id, to read its CPU time; undefined for a server in this process. */
  pid: number | undefined;
}

export interface LoadPlan {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** A request still unanswered this long after it was sent is given up and counted as failed. */
  requestTimeoutMs: number;
  csrs: readonly string[];
}

/** Reads a server's CPU seconds (null where it cannot be read). */
export type CpuReader = (pid: number) => Promise<number | null>;

interface Completed {
  at: number;
  latencyMs: number;
}

/**
 * Closed-loop load: `concurrency` callers, each sending its next CSR as soon as its last answer
 * came. Requests go out until the warm-up and the measured window have passed or the CSRs run out
 * (each CSR is sent once); answers still on their way may finish, within their timeout. The
 * measured window runs from the end of the warm-up to its end or the last answer, whichever is
 * first; the server's CPU is read at both ends of it.
 */
export async function driveIssuance(
  endpoint: IssuanceEndpoint,
  plan: LoadPlan,
  readCpu: CpuReader,
): Promise<Omit<RunResult, "target">> {
  const agent = keepAliveAgent(plan.concurrency);
  const completed: Completed[] = [];
  const failureSamples = new Set<string>();
  let failures = 0;
  let next = 0;
  const started = performance.now();
  const sendUntil = started + plan.warmupMs + plan.durationMs;
  const cpuAt = async () => ({
    at: performance.now(),
    cpu: endpoint.pid === undefined ? null : await readCpu(endpoint.pid),
  });
  let windowStart: Promise<{ at: number; cpu: number | null }> | undefined;
  let windowEnd: Promise<{ at: number; cpu: number | null }> | undefined;
  const startTimer = setTimeout(() => {
    windowStart = cpuAt();
  }, plan.warmupMs);
  const endTimer = setTimeout(() => {
    windowEnd ??= cpuAt();
  }, plan.warmupMs + plan.durationMs);
  if (plan.warmupMs === 0) {
    clearTimeout(startTimer);
    windowStart = cpuAt();
  }

  const caller = async () => {
    while (performance.now() < sendUntil && next < plan.csrs.length) {
      const csr = plan.csrs[next++] as string;
      const sent = performance.now();
      try {
        const outcome = await postJson(
          agent,
          endpoint.url,
          endpoint.body(csr),
          endpoint.headers,
          AbortSignal.timeout(plan.requestTimeoutMs),
        );
        if (endpoint.issued(outcome)) {
          const at = performance.now();
          completed.push({ at, latencyMs: at - sent });
          continue;
        }
        failures++;
        if (failureSamples.size < 3)
          failureSamples.add(`HTTP ${outcome.status}: ${outcome.body.slice(0, 200)}`);
      } catch (error) {
        failures++;
        if (failureSamples.size < 3)
          failureSamples.add(error instanceof Error ? error.message : String(error));
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: plan.concurrency }, caller));
  } finally {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
    agent.destroy();
  }
  // Ran out of CSRs (or of time waiting for answers) before the window's timer: it ends now.
  windowEnd ??= cpuAt();
  const from = await (windowStart ?? windowEnd);
  const to = await windowEnd;
  const inWindow = completed.filter((request) => request.at >= from.at && request.at <= to.at);
  const seconds = Math.max(0, (to.at - from.at) / 1000);
  const latencies = inWindow.map((request) => request.latencyMs);
  const cpuSeconds = from.cpu === null || to.cpu === null ? null : to.cpu - from.cpu;
  return {
    concurrency: plan.concurrency,
    certificates: inWindow.length,
    seconds,
    certificatesPerSecond: seconds > 0 ? inWindow.length / seconds : 0,
    latencyMs:
      latencies.length === 0 ? null : { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99) },
    cpuMsPerCertificate:
      cpuSeconds === null || inWindow.length === 0 ? null : (cpuSeconds * 1000) / inWindow.length,
    failures,
    failureSamples: [...failureSamples],
  };
}

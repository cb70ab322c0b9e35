import type { BenchResult, RunResult } from "./result.js";

/** Names in the table, saying what each target is. */
export const TARGET_LABELS: Record<RunResult["target"], string> = {
  embedded: "Edge PKI, embedded (local keys, SQLite)",
  postgres: "Edge PKI, PostgreSQL (local keys)",
  cfssl: "cfssl serve (P-256 CA, nothing stored)",
  keyvault: "Edge PKI, Key Vault emulator (SQLite)",
};

/**
 * The result as markdown: the runs, the crypto floor, Key Vault mode, the targets and what was
 * skipped. Printed by `pnpm bench` and written beside result.json.
 *
 * @example
 * ```ts
 * await writeFile("results.md", renderMarkdown(result));
 * ```
 */
export function renderMarkdown(result: BenchResult): string {
  const { machine, settings, floor } = result;
  const lines = [
    `Mode ${result.mode}, ${result.startedAt}: ${machine.cpus} × ${machine.cpuModel}, Node ${machine.node}, load average ${loads(machine.loadAverageBefore)} before and ${loads(machine.loadAverageAfter)} after; ${settings.warmupSeconds} s warm-up and up to ${settings.durationSeconds} s (${settings.maxRequestsPerRun} requests) measured per run; the load generator runs on the same machine.`,
    "",
    table(
      ["server", "concurrency", "certificates/s", "p50 ms", "p99 ms", "CPU ms/certificate", "failed"],
      [...result.runs, ...(result.keyVault ? [result.keyVault.run] : [])].map((run) => [
        TARGET_LABELS[run.target],
        String(run.concurrency),
        run.certificatesPerSecond.toFixed(0),
        run.latencyMs ? run.latencyMs.p50.toFixed(1) : "–",
        run.latencyMs ? run.latencyMs.p99.toFixed(1) : "–",
        run.cpuMsPerCertificate === null ? "–" : run.cpuMsPerCertificate.toFixed(3),
        String(run.failures),
      ]),
    ),
    "",
    `Crypto floor (node:crypto, one core, P-256): key import and CSR verification ${floor.verifyMicroseconds.toFixed(0)} µs + signature ${floor.signMicroseconds.toFixed(0)} µs = ${(floor.microsecondsPerCertificate / 1000).toFixed(3)} ms CPU per certificate, ${floor.certificatesPerSecondPerCore.toFixed(0)} certificates/s per core.`,
  ];
  if (result.keyVault) {
    const kv = result.keyVault;
    lines.push(
      "",
      `Key Vault mode: the emulator admits ${kv.limit} signatures per ${kv.windowMs} ms (${kv.limitPerSecond.toFixed(0)}/s); the service sustained ${kv.run.certificatesPerSecond.toFixed(0)} certificates/s (${(kv.shareOfLimit * 100).toFixed(0)}% of the limit) at concurrency ${kv.run.concurrency}, with ${kv.run.failures} failed requests and ${kv.throttled} 429s retried.`,
    );
  }
  lines.push(
    "",
    table(
      ["target (issue 12)", "measured", "status"],
      result.targets.map((target) => [target.goal, target.measured, target.status]),
    ),
  );
  for (const skipped of result.skipped) lines.push("", `Skipped ${skipped.target}: ${skipped.reason}`);
  for (const run of [...result.runs, ...(result.keyVault ? [result.keyVault.run] : [])]) {
    if (run.failureSamples.length > 0) {
      lines.push("", `Failures of ${run.target} at c${run.concurrency}: ${run.failureSamples.join("; ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** A GitHub-flavoured markdown table, columns padded to one width as the docs' tables are; `|` in a cell is escaped. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map((cell) => cell.replaceAll("|", "\\|")));
  const widths = header.map((_, column) => Math.max(3, ...cells.map((row) => (row[column] ?? "").length)));
  const line = (row: readonly string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  const [head = [], ...body] = cells;
  return [line(head), line(widths.map((width) => "-".repeat(width))), ...body.map(line)].join("\n");
}

const loads = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join("/");

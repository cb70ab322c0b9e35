import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { TARGET_LABELS } from "./markdown.js";
import type { BenchResult } from "./result.js";

/**
 * Certificates per second and p99 latency of each server at each concurrency, as an SVG drawn by
 * Vega-Lite in Node (no browser, no canvas: Vega's "none" renderer only lays out, and its SVG
 * string renderer writes the file). Key Vault mode is left out: its rate is the throttle's.
 */
export async function renderChart(result: BenchResult): Promise<string> {
  const values = result.runs.map((run) => ({
    server: TARGET_LABELS[run.target],
    concurrency: `c${run.concurrency}`,
    rate: Math.round(run.certificatesPerSecond),
    p99: run.latencyMs?.p99 ?? null,
  }));
  const concurrencies = result.settings.concurrencies.map((concurrency) => `c${concurrency}`);
  const encoding = {
    x: {
      field: "concurrency",
      type: "nominal",
      sort: concurrencies,
      title: "concurrency",
      axis: { labelAngle: 0 },
    },
    xOffset: { field: "server" },
    color: { field: "server", type: "nominal", title: null, legend: { orient: "bottom", columns: 1 } },
  } as const;
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "CSR issuance over HTTP",
      subtitle: `${result.machine.cpus} cores, load generator on the same machine, ${result.mode} run of ${result.startedAt.slice(0, 10)}`,
    },
    data: { values },
    hconcat: [
      {
        width: 320,
        height: 220,
        mark: { type: "bar", tooltip: true },
        encoding: {
          ...encoding,
          y: { field: "rate", type: "quantitative", title: "certificates per second" },
        },
      },
      {
        width: 320,
        height: 220,
        mark: { type: "bar", tooltip: true },
        encoding: {
          ...encoding,
          y: {
            field: "p99",
            type: "quantitative",
            title: "p99 latency (ms, log scale)",
            scale: { type: "log" },
          },
        },
      },
    ],
    config: { font: "sans-serif", background: "white" },
  };
  const view = new View(parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

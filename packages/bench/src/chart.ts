import { parse, View } from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { TARGET_LABELS } from "./markdown.js";
import { type BenchResult, SERVER_TARGETS } from "./result.js";
import { P99_LIMIT_MS } from "./targets.js";

/**
 * Certificates per second and p99 latency (with the 25 ms target as a dashed, labelled line) of
 * each server at each concurrency, as an SVG drawn by Vega-Lite in Node (no browser, no canvas:
 * Vega's "none" renderer only lays out, and its SVG string renderer writes the file). Key Vault
 * mode is left out: its rate is the throttle's.
 */
export async function renderChart(result: BenchResult): Promise<string> {
  const values = result.runs.map((run) => ({
    server: TARGET_LABELS[run.target],
    concurrency: `c${run.concurrency}`,
    rate: Math.round(run.certificatesPerSecond),
    p99: run.latencyMs === null ? null : Math.round(run.latencyMs.p99 * 10) / 10,
  }));
  const concurrencies = result.settings.concurrencies.map((concurrency) => `c${concurrency}`);
  const servers = SERVER_TARGETS.map((target) => TARGET_LABELS[target]);
  const encoding = {
    x: {
      field: "concurrency",
      type: "nominal",
      sort: concurrencies,
      title: "concurrency",
      axis: { labelAngle: 0 },
    },
    xOffset: { field: "server", sort: servers },
    color: {
      field: "server",
      type: "nominal",
      title: null,
      scale: { domain: servers },
      legend: { orient: "bottom", columns: 1, labelLimit: 400 },
    },
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
        layer: [
          {
            mark: { type: "bar", tooltip: true },
            encoding: { ...encoding, y: { field: "p99", type: "quantitative", title: "p99 latency (ms)" } },
          },
          // The target of issue 12 at concurrency 16: p99 under 25 ms.
          { mark: { type: "rule", strokeDash: [4, 4] }, encoding: { y: { datum: P99_LIMIT_MS } } },
          {
            // One label, not one per row of the chart's data.
            data: { values: [{}] },
            mark: { type: "text", align: "right", baseline: "bottom", dy: -2, fontSize: 10 },
            encoding: {
              x: { value: "width" },
              y: { datum: P99_LIMIT_MS },
              text: { value: `p99 target at concurrency 16: ${P99_LIMIT_MS} ms` },
            },
          },
        ],
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

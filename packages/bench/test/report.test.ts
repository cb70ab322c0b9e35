import { describe, expect, it } from "vitest";
import { renderChart } from "../src/chart.js";
import { renderMarkdown, table } from "../src/markdown.js";
import { percentile } from "../src/percentile.js";
import { BenchResult, type RunResult } from "../src/result.js";
import { evaluateTargets } from "../src/targets.js";

/** A run as the load generator reports it; the fields a test does not name are those of a clean run. */
function run(fields: Partial<RunResult> & Pick<RunResult, "target" | "concurrency">): RunResult {
  return {
    certificates: 1000,
    seconds: 1,
    certificatesPerSecond: 1000,
    latencyMs: { p50: 5, p99: 20 },
    cpuMsPerCertificate: 0.5,
    failures: 0,
    failureSamples: [],
    ...fields,
  };
}

const floor = {
  iterations: 100,
  verifyMicroseconds: 300,
  signMicroseconds: 100,
  microsecondsPerCertificate: 400,
  certificatesPerSecondPerCore: 2500,
};

function result(overrides: Partial<BenchResult> = {}): BenchResult {
  const measured = {
    floor,
    runs: [
      run({ target: "embedded", concurrency: 16, certificatesPerSecond: 2600 }),
      run({ target: "cfssl", concurrency: 16, certificatesPerSecond: 2500, cpuMsPerCertificate: 0.2 }),
    ],
    keyVault: {
      run: run({ target: "keyvault", concurrency: 16, certificatesPerSecond: 95 }),
      limit: 100,
      windowMs: 1000,
      limitPerSecond: 100,
      shareOfLimit: 0.95,
      throttled: 12,
    },
    ...overrides,
  };
  return {
    schemaVersion: 1,
    mode: "quick",
    startedAt: "2026-11-29T18:00:00.000Z",
    finishedAt: "2026-11-29T18:01:00.000Z",
    machine: {
      cpus: 2,
      cpuModel: "Test CPU",
      node: "20.20.2",
      platform: "linux x64",
      loadAverageBefore: [1, 1, 1],
      loadAverageAfter: [2, 1.5, 1],
      cfssl: "Version: 1.2.0",
    },
    settings: { warmupSeconds: 0.5, durationSeconds: 3, maxRequestsPerRun: 6000, concurrencies: [1, 16, 64] },
    skipped: [],
    targets: evaluateTargets(measured),
    ...measured,
  };
}

describe("percentile", () => {
  it("is the nearest rank: a value some request had, whatever the order", () => {
    const values = [9, 1, 8, 2, 7, 3, 6, 4, 5, 10];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile(values, 0.1)).toBe(1);
    expect(percentile([42], 0.99)).toBe(42);
    expect(
      percentile(
        Array.from({ length: 1000 }, (_, index) => 1000 - index),
        0.99,
      ),
    ).toBe(990);
  });

  it("refuses no values and a q outside (0, 1]", () => {
    expect(() => percentile([], 0.5)).toThrow("no values");
    expect(() => percentile([1], 0)).toThrow("q must be in (0, 1]");
    expect(() => percentile([1], 1.5)).toThrow("q must be in (0, 1]");
  });
});

describe("the markdown", () => {
  it("renders a table with a separator row, columns padded to one width and pipes in cells escaped", () => {
    expect(table(["a", "bb"], [["1", "x|y"]])).toBe("| a   | bb   |\n| --- | ---- |\n| 1   | x\\|y |");
  });

  it("has a row per run, Key Vault's last, the floor, and each target with its status", () => {
    // Cells are padded to their column's width: compared without the padding.
    const markdown = renderMarkdown(result()).replace(/ +\|/g, " |");
    const rows = markdown
      .split("\n")
      .filter((line) => line.startsWith("| Edge PKI") || line.startsWith("| cfssl"));
    expect(rows).toEqual([
      "| Edge PKI, embedded (local keys, SQLite) | 16 | 2600 | 5.0 | 20.0 | 0.500 | 0 |",
      "| cfssl serve (P-256 CA, nothing stored) | 16 | 2500 | 5.0 | 20.0 | 0.200 | 0 |",
      "| Edge PKI, Key Vault emulator (SQLite) | 16 | 95 | 5.0 | 20.0 | 0.500 | 0 |",
    ]);
    expect(markdown).toContain("= 0.400 ms CPU per certificate, 2500 certificates/s per core");
    expect(markdown).toContain(
      "| embedded c16: at least cfssl's rate in the same run | 2600/s vs cfssl 2500/s (104%) | met |",
    );
    expect(markdown).toContain("| embedded c16: p99 under 25 ms | p99 20.0 ms | met |");
    expect(markdown).toContain("| 0.500 ms vs floor 0.400 ms (1.3x) | met |");
    expect(markdown).toContain("| 95% of 100/s, 0 failed | met |");
  });

  it("names what was skipped and why requests failed", () => {
    const markdown = renderMarkdown({
      ...result(),
      skipped: [{ target: "cfssl", reason: "cfssl is not on PATH" }],
      runs: [run({ target: "embedded", concurrency: 1, failures: 2, failureSamples: ["HTTP 503: busy"] })],
    });
    expect(markdown).toContain("Skipped cfssl: cfssl is not on PATH");
    expect(markdown).toContain("Failures of embedded at c1: HTTP 503: busy");
  });
});

describe("the targets", () => {
  const statuses = (overrides: Partial<BenchResult>) =>
    Object.fromEntries(
      evaluateTargets({ ...result(), ...overrides }).map((check) => [check.id, check.status]),
    );

  it("are not met when a number misses, or when any request failed", () => {
    expect(
      statuses({
        runs: [
          run({
            target: "embedded",
            concurrency: 16,
            certificatesPerSecond: 100,
            latencyMs: { p50: 20, p99: 25 },
          }),
          run({ target: "cfssl", concurrency: 16, certificatesPerSecond: 2500 }),
        ],
      }),
    ).toMatchObject({ "rate-vs-cfssl": "not met", p99: "not met", "cpu-vs-floor": "met" });
    expect(
      statuses({ runs: [run({ target: "embedded", concurrency: 16, cpuMsPerCertificate: 0.61 })] }),
    ).toMatchObject({
      "cpu-vs-floor": "not met",
    });
    const kv = result().keyVault;
    expect(statuses({ keyVault: kv && { ...kv, run: { ...kv.run, failures: 1 } } })["keyvault-share"]).toBe(
      "not met",
    );
    expect(statuses({ keyVault: kv && { ...kv, shareOfLimit: 0.89 } })["keyvault-share"]).toBe("not met");
  });

  it("are not measured without the runs they compare", () => {
    expect(statuses({ runs: [run({ target: "embedded", concurrency: 16 })], keyVault: null })).toEqual({
      "rate-vs-cfssl": "not measured",
      p99: "met",
      "cpu-vs-floor": "met",
      "keyvault-share": "not measured",
    });
    expect(
      statuses({ runs: [run({ target: "embedded", concurrency: 16, cpuMsPerCertificate: null })] }),
    ).toMatchObject({
      "cpu-vs-floor": "not measured",
    });
  });
});

describe("the result's schema", () => {
  it("accepts a result as the bench makes it and survives a round trip through JSON", () => {
    const made = result();
    expect(BenchResult.parse(JSON.parse(JSON.stringify(made)))).toEqual(made);
  });

  it("refuses a result with a field missing, a negative rate or an unknown target", () => {
    const { floor: _floor, ...withoutFloor } = result();
    expect(BenchResult.safeParse(withoutFloor).success).toBe(false);
    const negative = result({
      runs: [run({ target: "embedded", concurrency: 1, certificatesPerSecond: -1 })],
    });
    expect(BenchResult.safeParse(negative).success).toBe(false);
    const unknown = {
      ...result(),
      runs: [{ ...run({ target: "embedded", concurrency: 1 }), target: "openssl" }],
    };
    expect(BenchResult.safeParse(unknown).success).toBe(false);
  });
});

describe("the chart", () => {
  it("is an SVG with a bar per run and the servers in its legend", async () => {
    const svg = await renderChart(result());
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("Edge PKI, embedded (local keys, SQLite)");
    expect(svg).toContain("cfssl serve (P-256 CA, nothing stored)");
    // Two panels (rate, p99), a bar per run in each, labelled with its value.
    expect(svg.match(/aria-roledescription="bar"/g)?.length).toBe(4);
    expect(svg).toContain(
      'aria-label="concurrency: c16; certificates per second: 2600; server: Edge PKI, embedded (local keys, SQLite)"',
    );
    expect(svg).toContain('aria-label="concurrency: c16; p99 latency (ms): 20; server: cfssl serve');
  });
});

import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { renderChart } from "./chart.js";
import { renderMarkdown } from "./markdown.js";
import type { BenchResult } from "./result.js";

export const OUTPUT_FILES = { json: "result.json", markdown: "results.md", chart: "throughput.svg" } as const;

/** Writes result.json, results.md and throughput.svg into each folder; returns the markdown. */
export async function writeResults(result: BenchResult, dirs: readonly string[]): Promise<string> {
  const markdown = renderMarkdown(result);
  const chart = await renderChart(result);
  for (const dir of dirs) {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, OUTPUT_FILES.json), `${JSON.stringify(result, null, 2)}\n`);
    await writeFile(join(dir, OUTPUT_FILES.markdown), markdown);
    await writeFile(join(dir, OUTPUT_FILES.chart), `${chart}\n`);
  }
  return markdown;
}

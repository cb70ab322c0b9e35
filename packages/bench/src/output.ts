import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { renderChart } from "./chart.js";
import { renderMarkdown } from "./markdown.js";
import type { BenchResult } from "./result.js";

export const OUTPUT_FILES = { json: "result.json", markdown: "results.md", chart: "throughput.svg" } as const;

/** The result as it is written: its JSON, its markdown table and its chart. */
export interface RenderedResult {
  json: string;
  markdown: string;
  chart: string;
}

export async function renderResult(result: BenchResult): Promise<RenderedResult> {
  return {
    json: `${JSON.stringify(result, null, 2)}\n`,
    markdown: renderMarkdown(result),
    chart: `${await renderChart(result)}\n`,
  };
}

/**
 * Makes each output folder and proves it takes a file, before any server starts: a folder that
 * cannot be written would otherwise be found only after the whole run, and its result lost. Throws
 * one line naming the folder.
 */
export async function prepareOutputDirs(dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    try {
      await makeDirectory(dir);
      const probe = join(dir, ".bench-write-check");
      await writeFile(probe, "");
      await rm(probe);
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new Error(`cannot write the results to ${dir} (${reason})`);
    }
  }
}

/** Writes result.json, results.md and throughput.svg into each folder. */
export async function writeResults(rendered: RenderedResult, dirs: readonly string[]): Promise<void> {
  for (const dir of dirs) {
    await makeDirectory(dir);
    await writeFile(join(dir, OUTPUT_FILES.json), rendered.json);
    await writeFile(join(dir, OUTPUT_FILES.markdown), rendered.markdown);
    await writeFile(join(dir, OUTPUT_FILES.chart), rendered.chart);
  }
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdir never returns for a path it cannot make
 * under some kernel file systems (`/proc/x` spins on Node 20).
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EEXIST") {
      if ((await stat(dir)).isDirectory()) return;
      throw Object.assign(new Error(`${dir} is not a directory`), { code: "ENOTDIR" });
    }
    if (code !== "ENOENT" || dirname(dir) === dir) throw error;
    await makeDirectory(dirname(dir));
    await mkdir(dir).catch((again: NodeJS.ErrnoException) => {
      if (again.code !== "EEXIST") throw again;
    });
  }
}

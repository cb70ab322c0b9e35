import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OUTPUT_FILES } from "../src/output.js";
import { BenchResult } from "../src/result.js";
import { findCfssl } from "../src/servers/cfssl.js";

/** The built bench (`pnpm test` builds first), as `pnpm bench` runs it. */
const BENCH = fileURLToPath(new URL("../dist/main.js", import.meta.url));

// The tiniest run, end to end: the built service on SQLite, on PostgreSQL and on the Key Vault
// emulator, and cfssl when it is installed, a few requests each. It proves the bench works and
// cleans up after itself; it asserts no number, since timing is the bench's business, not a test's.
let work: string;
let outcome: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "edge-pki-bench-test-"));
  await mkdir(join(work, "tmp"));
  outcome = await new Promise((resolve) => {
    execFile(
      process.execPath,
      [BENCH, "--", "--smoke", "--out", join(work, "out")],
      // Its own TMPDIR, so what it leaves behind there is seen.
      { env: { PATH: process.env.PATH ?? "", TMPDIR: join(work, "tmp") }, timeout: 240_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}, 300_000);

afterAll(() => rm(work, { recursive: true, force: true }));

it("runs every server a few times and writes a result the schema accepts", async () => {
  expect(outcome.code, outcome.stderr).toBe(0);
  const result = BenchResult.parse(JSON.parse(await readFile(join(work, "out", OUTPUT_FILES.json), "utf8")));
  expect(result.mode).toBe("smoke");

  const skipped = result.skipped.map((skip) => skip.target);
  const expected = ["embedded", "postgres", "cfssl"].filter((target) => !skipped.includes(target as never));
  expect(expected).toContain("embedded");
  if (process.env.CI) expect(expected).toContain("postgres"); // CI provides PostgreSQL
  if ((await findCfssl()) !== undefined) expect(expected).toContain("cfssl");
  else
    expect(result.skipped).toContainEqual({ target: "cfssl", reason: expect.stringMatching(/not on PATH/) });

  for (const target of expected) {
    for (const concurrency of result.settings.concurrencies) {
      const run = result.runs.find(
        (candidate) => candidate.target === target && candidate.concurrency === concurrency,
      );
      expect(run, `${target} at c${concurrency}`).toMatchObject({ failures: 0, failureSamples: [] });
      expect(run?.certificates, `${target} at c${concurrency}`).toBeGreaterThan(0);
    }
  }
  expect(result.keyVault?.run).toMatchObject({ failures: 0 });
  expect(result.keyVault?.run.certificates).toBeGreaterThan(0);
  expect(result.targets.map((target) => target.id)).toEqual([
    "rate-vs-cfssl",
    "p99",
    "cpu-vs-floor",
    "keyvault-share",
  ]);
  // A handful of requests judges nothing, not even the Key Vault run it made.
  expect(new Set(result.targets.map((target) => [target.status, target.measured].join(": ")))).toEqual(
    new Set(["not measured: a smoke run measures nothing"]),
  );
});

it("prints the table it writes, and writes the chart", async () => {
  const markdown = await readFile(join(work, "out", OUTPUT_FILES.markdown), "utf8");
  expect(outcome.stdout).toBe(markdown);
  expect(markdown).toMatch(/\| Edge PKI, embedded \(local keys, SQLite\) +\| 1 +\|/);
  const svg = await readFile(join(work, "out", OUTPUT_FILES.chart), "utf8");
  expect(svg).toMatch(/^<svg /);
});

it("leaves no server folder behind", async () => {
  expect(await readdir(join(work, "tmp"))).toEqual([]);
});

/** The built bench with `args`, given 30 s at most. */
function run(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [BENCH, ...args], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

it("--help prints the usage and exits 0; a bad option exits 2 with the error first", async () => {
  const help = await run(["--", "--help"]);
  expect(help).toMatchObject({ code: 0, stderr: "" });
  expect(help.stdout).toMatch(/^usage: pnpm bench /);
  const bad = await run(["--targets", "nope"]);
  expect(bad.code).toBe(2);
  expect(bad.stdout).toBe("");
  expect(bad.stderr.split("\n")[0]).toBe(
    "--targets: unknown target 'nope' (embedded, postgres, cfssl, keyvault)",
  );
});

it("an output folder it cannot write is refused before any server starts, in one line, exit 2", async () => {
  const file = join(work, "a-file");
  await writeFile(file, "");
  // Under a file; and under /proc, where Node's own recursive mkdir never returns.
  for (const [out, reason] of [
    [join(file, "sub"), "ENOTDIR"],
    ["/proc/edge-pki-bench", "ENOENT"],
  ]) {
    const refused = await run(["--smoke", "--out", out as string]);
    expect(refused).toEqual({
      code: 2,
      stdout: "",
      stderr: `bench: cannot write the results to ${out} (${reason})\n`,
    });
  }
  const publish = await run([
    "--smoke",
    "--out",
    join(work, "publish-out"),
    "--publish",
    "--publish-dir",
    join(file, "docs"),
  ]);
  expect(publish.code).toBe(2);
  expect(publish.stderr).toBe(`bench: cannot write the results to ${join(file, "docs")} (ENOTDIR)\n`);
});

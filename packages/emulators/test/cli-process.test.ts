import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** The built command (`pnpm build` first), run as a developer runs it. */
const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

function emulators(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

describe("edge-pki-emulators, run as a process", () => {
  it("prints its usage and control routes on stdout for --help, also after pnpm's --", async () => {
    for (const args of [["--help"], ["--", "--help"]]) {
      const help = await emulators(...args);
      expect(help).toMatchObject({ code: 0, stderr: "" });
      expect(help.stdout).toContain("--ops-per-10s <n>");
      expect(help.stdout).toContain("POST /_emulator/faults");
    }
  });

  it("reports a bad flag in one line, exit 2", async () => {
    expect(await emulators("--port", "70000")).toEqual({
      code: 2,
      stdout: "",
      stderr: "edge-pki-emulators: Invalid --port: 70000; run edge-pki-emulators --help\n",
    });
    expect((await emulators("--bogus")).stderr).toBe(
      "edge-pki-emulators: Unknown option '--bogus'; run edge-pki-emulators --help\n",
    );
  });
});

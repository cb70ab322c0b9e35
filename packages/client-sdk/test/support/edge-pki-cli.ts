import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built `edge-pki` (`pnpm test` builds first), run as an operator runs it. */
export const EDGE_PKI_CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `edge-pki` with only the given environment (and PATH). */
export function runEdgePki(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [EDGE_PKI_CLI, ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, cwd, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Starts `edge-pki` without waiting for it (to kill it midway). */
export function spawnEdgePki(args: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [EDGE_PKI_CLI, ...args], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

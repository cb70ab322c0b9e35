import { type ChildProcess, execFile, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The built CLI (`pnpm test` builds first), run as a user would run it. */
export const CLI = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** The built Key Vault conformance check (`pnpm keyvault:check`), for `runCli`'s `script`. */
export const KEYVAULT_CHECK_CLI = fileURLToPath(new URL("../../dist/cli/keyvault-check.js", import.meta.url));

/**
 * What every run starts from: the PATH, and one worker (a test of several says so; workers.test.ts),
 * so that a started service is one process, quick to start and to stop.
 */
const BASE_ENV = { PATH: process.env.PATH ?? "", EDGE_PKI_WORKERS: "1" };

export function runCli(
  args: string[],
  env: Record<string, string>,
  script = CLI,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [script, ...args],
      { env: { ...BASE_ENV, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** Starts `edge-pki-ca start` (or `serve`) and resolves once it prints where it listens. */
export function startCli(
  env: Record<string, string>,
  command: "start" | "serve" = "start",
): Promise<{ child: ChildProcess; url: string; stdout: () => string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, command], { env: { ...BASE_ENV, ...env } });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      // Not left running behind the failed test.
      child.kill("SIGKILL");
      reject(new Error(`CLI did not start: ${stderr}`));
    }, 30_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = stdout.match(/listening on (\S+)/)?.[1];
      if (url && stdout.includes("data folder")) {
        clearTimeout(timer);
        resolve({ child, url, stdout: () => stdout, stderr: () => stderr });
      }
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`CLI exited with ${code}: ${stderr}`));
    });
  });
}

export async function stopCli(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  // "close", not "exit": only then has all it printed been read (a test may read its log next).
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  child.kill("SIGTERM");
  return exited;
}

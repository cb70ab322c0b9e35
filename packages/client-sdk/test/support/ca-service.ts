import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The built `edge-pki-ca` (`pnpm test` builds first), run as an operator runs it. */
export const CA_CLI = fileURLToPath(new URL("../../../ca-service/dist/cli/main.js", import.meta.url));

export interface RunningCa {
  /** `http://127.0.0.1:<port>`; the same across restarts. */
  url: string;
  dataDir: string;
  /** The first admin token, from `<data>/admin.token`. */
  adminToken: string;
  /** `edge-pki-ca token create` for this CA. */
  token(
    role: "admin" | "issuer" | "reader",
    options?: { devicePrefix?: string; subject?: string },
  ): Promise<string>;
  /** Stops the process (SIGTERM) and waits for it; the data folder stays. */
  stop(): Promise<void>;
  /** Starts it again on the same data folder and port. */
  start(): Promise<void>;
  /** Stops it and deletes the data folder. */
  dispose(): Promise<void>;
}

export interface CaOptions {
  /** More EDGE_PKI_* settings, such as a rate limit. */
  env?: Record<string, string>;
}

/** Starts the real CA (`edge-pki-ca start`) as a child process on 127.0.0.1 with a fresh data folder. */
export async function startCa(options: CaOptions = {}): Promise<RunningCa> {
  const dataDir = await mkdtemp(join(tmpdir(), "edge-pki-sdk-ca-"));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    EDGE_PKI_DATA_DIR: dataDir,
    EDGE_PKI_HOST: "127.0.0.1",
    EDGE_PKI_PORT: "0",
    EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
    // Tests fail authentication on purpose; the budget is the service's own concern.
    EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "0",
    // One process: a rate limit is then one budget, not one per worker (the service's own tests
    // cover several workers).
    EDGE_PKI_WORKERS: "1",
    ...options.env,
  };
  let child = await launch(env);
  const url = child.url;
  // A restart must come back where the client is pointed.
  env.EDGE_PKI_PORT = new URL(url).port;
  const adminToken = (await readFile(join(dataDir, "admin.token"), "utf8")).trim();
  const stop = async () => {
    if (child.process.exitCode !== null || child.process.signalCode !== null) return;
    const exited = new Promise((resolve) => child.process.once("exit", resolve));
    child.process.kill("SIGTERM");
    await exited;
  };
  return {
    url,
    dataDir,
    adminToken,
    token: async (role, tokenOptions = {}) => {
      const args = ["token", "create", "--role", role, "--ttl", "1h"];
      if (tokenOptions.devicePrefix) args.push("--device-prefix", tokenOptions.devicePrefix);
      if (tokenOptions.subject) args.push("--subject", tokenOptions.subject);
      const { stdout } = await run(process.execPath, [CA_CLI, ...args], { env });
      return stdout.trim();
    },
    stop,
    start: async () => {
      child = await launch(env);
    },
    dispose: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function launch(env: Record<string, string>): Promise<{ process: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CA_CLI, "start"], { env, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`edge-pki-ca did not start within 30 s: ${stderr}`));
    }, 30_000);
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      const url = /listening on (\S+)/.exec(stdout)?.[1];
      if (url && stdout.includes("data folder")) {
        clearTimeout(timer);
        resolve({ process: child, url });
      }
    });
    // The access log goes to stderr: keep only its start, for the message above.
    child.stderr.on("data", (chunk) => {
      if (stderr.length < 4096) stderr += chunk;
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`edge-pki-ca exited with ${code}: ${stderr}`));
    });
  });
}

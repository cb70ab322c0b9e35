import { type ChildProcess, spawn } from "node:child_process";

/** The last bytes a child wrote, for the message when it fails; the rest is read and dropped. */
const TAIL_BYTES = 4096;

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  /** What the child wrote last (stdout and stderr). */
  tail(): string;
  /** SIGTERM, then SIGKILL if it has not exited within the grace period. */
  stop(): Promise<void>;
}

/**
 * Starts a server process and resolves once `ready` recognises its output, or rejects when it exits
 * first or `timeoutMs` passes (then it is killed). Both streams are read to the end, so a chatty
 * server (a log line per request) never blocks on a full pipe.
 */
export function startServerProcess(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs: number; ready: (output: string) => boolean },
): Promise<ServerProcess> {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let ready = false;
  const server = (pid: number): ServerProcess => ({
    child,
    pid,
    tail: () => output,
    stop: () => stopProcess(child),
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopProcess(child);
      reject(new Error(`${command} did not start within ${options.timeoutMs} ms: ${output}`));
    }, options.timeoutMs);
    const read = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-TAIL_BYTES);
      if (!ready && options.ready(output) && child.pid !== undefined) {
        ready = true;
        clearTimeout(timer);
        resolve(server(child.pid));
      }
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${command} exited (${signal ?? code}) before it was ready: ${output}`));
    });
  });
}

async function stopProcess(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

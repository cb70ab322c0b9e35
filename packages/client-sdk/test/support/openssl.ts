import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The system openssl as an independent verifier: exit status and output, never a throw. */
export async function openssl(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run("openssl", args, { maxBuffer: 10 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failure.code ?? 1, output: `${failure.stdout ?? ""}${failure.stderr ?? ""}` };
  }
}

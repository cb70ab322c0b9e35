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

/** A fresh P-256 key and a self-signed certificate for `/CN=<commonName>`, made by openssl. */
export async function selfSigned(
  keyPath: string,
  certificatePath: string,
  commonName: string,
  days: number,
): Promise<void> {
  const { code, output } = await openssl([
    ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"],
    ...["-subj", `/CN=${commonName}`, "-days", String(days), "-keyout", keyPath, "-out", certificatePath],
  ]);
  if (code !== 0) throw new Error(`openssl req -x509 failed: ${output}`);
}

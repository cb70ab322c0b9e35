import { execFile } from "node:child_process";
import { constants } from "node:fs";
import { access, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { promisify } from "node:util";
import type { IssuanceEndpoint } from "../load.js";
import { startServerProcess } from "./child-process.js";
import { listeningPortOf } from "./listening-port.js";

const run = promisify(execFile);

/** The cfssl executable on PATH (Debian: golang-cfssl), or undefined. */
export async function findCfssl(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter(Boolean)) {
    const candidate = join(dir, "cfssl");
    if (
      await access(candidate, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return candidate;
  }
  return undefined;
}

/** `cfssl version`'s first line, e.g. "Version: 1.2.0". */
export async function cfsslVersion(cfssl: string): Promise<string> {
  const { stdout } = await run(cfssl, ["version"], { timeout: 10_000 });
  return stdout.split("\n")[0]?.trim() ?? "unknown";
}

export interface CfsslServer {
  endpoint: IssuanceEndpoint;
  stop(): Promise<void>;
}

/**
 * `cfssl serve` on 127.0.0.1 with a P-256 CA made by cfssl itself (`gencert -initca`) and a signing
 * profile like the device profile (digital signature, client auth, one year), in a temp folder.
 * Its `/api/v1/cfssl/sign` neither authenticates nor stores: the bench compares with it as it is.
 */
export async function startCfssl(cfssl: string, startTimeoutMs: number): Promise<CfsslServer> {
  const dir = await mkdtemp(join(tmpdir(), "edge-pki-bench-cfssl-"));
  try {
    await writeFile(
      join(dir, "ca-csr.json"),
      JSON.stringify({ CN: "Edge PKI bench CA (cfssl)", key: { algo: "ecdsa", size: 256 } }),
    );
    const { stdout } = await run(cfssl, ["gencert", "-initca", "ca-csr.json"], { cwd: dir, timeout: 30_000 });
    const ca = JSON.parse(stdout) as { cert: string; key: string };
    await writeFile(join(dir, "ca.pem"), ca.cert);
    await writeFile(join(dir, "ca-key.pem"), ca.key, { mode: 0o600 });
    await writeFile(
      join(dir, "config.json"),
      JSON.stringify({
        signing: { default: { expiry: "8760h", usages: ["digital signature", "client auth"] } },
      }),
    );
    const args = ["serve", "-address", "127.0.0.1", "-port", "0", "-ca", "ca.pem", "-ca-key", "ca-key.pem"];
    const server = await startServerProcess(cfssl, [...args, "-config", "config.json"], {
      env: { PATH: process.env.PATH ?? "" },
      cwd: dir,
      timeoutMs: startTimeoutMs,
      ready: (output) => output.includes("Now listening on"),
    });
    const stop = async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    };
    try {
      const port = await listeningPortOf(server.pid, startTimeoutMs);
      return {
        endpoint: {
          url: new URL(`http://127.0.0.1:${port}/api/v1/cfssl/sign`),
          headers: {},
          body: (csr) => JSON.stringify({ certificate_request: csr }),
          issued: (outcome) => outcome.status === 200 && outcome.body.includes('"success":true'),
          pid: server.pid,
        },
        stop,
      };
    } catch (error) {
      await stop();
      throw error;
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

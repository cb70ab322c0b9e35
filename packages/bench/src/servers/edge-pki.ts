import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { IssuanceEndpoint } from "../load.js";
import { startServerProcess } from "./child-process.js";

/** The built `edge-pki-ca`, run as an operator runs it. */
const CA_CLI = join(dirname(fileURLToPath(import.meta.resolve("@edge-pki/ca-service"))), "cli", "main.js");

export interface EdgePkiServer {
  endpoint: IssuanceEndpoint;
  stop(): Promise<void>;
}

/**
 * `edge-pki-ca start` in a data folder of its own on 127.0.0.1 port 0, with `settings` on top of
 * the embedded default. The per-caller rate limit is raised to its maximum (not switched off: the
 * limiter's own cost is part of every request), and issuance goes through `POST /v1/certificates`
 * with the admin token the first start wrote.
 */
export async function startEdgePki(
  settings: Record<string, string>,
  startTimeoutMs: number,
): Promise<EdgePkiServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "edge-pki-bench-"));
  try {
    const server = await startServerProcess(process.execPath, [CA_CLI, "start"], {
      env: {
        PATH: process.env.PATH ?? "",
        EDGE_PKI_DATA_DIR: dataDir,
        EDGE_PKI_HOST: "127.0.0.1",
        EDGE_PKI_PORT: "0",
        EDGE_PKI_KEY_PASSPHRASE: "benchmark only, not secret",
        EDGE_PKI_RATE_LIMIT_PER_MINUTE: "1000000",
        ...settings,
      },
      timeoutMs: startTimeoutMs,
      ready: (output) => /listening on \S+\n[\s\S]*data folder/.test(output),
    });
    const url = /listening on (\S+)/.exec(server.tail())?.[1] as string;
    const token = (await readFile(join(dataDir, "admin.token"), "utf8")).trim();
    return {
      endpoint: {
        url: new URL("/v1/certificates", url),
        headers: { authorization: `Bearer ${token}` },
        body: (csr) => JSON.stringify({ csr }),
        issued: (outcome) => outcome.status === 201,
        pid: server.pid,
      },
      stop: async () => {
        await server.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

import type { ServiceContext } from "../../src/app/service-context.js";
import { initialiseCa, openKeyStore, openServiceContext, type Runtime } from "../../src/compose.js";
import { loadConfig } from "../../src/config/config.js";
import { silentLogger } from "../../src/logger.js";
import type { Clock } from "../../src/ports/clock.js";
import { startServer } from "../../src/server.js";
import { type TempDir, tempDir } from "./openssl.js";

export interface TestService {
  url: string;
  dataDir: string;
  context: ServiceContext;
  /** Stops the server and closes the store, keeping the data folder. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same data folder. */
  restart(): Promise<TestService>;
  /** Stops and deletes the data folder. */
  dispose(): Promise<void>;
}

export interface TestServiceOptions {
  /** Reuse a data folder (for restarts); a fresh temporary one otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
  /** The service's clock; the system clock when absent. */
  clock?: Clock;
}

/** Boots the real service (real key store, real SQLite, real HTTP server) on 127.0.0.1, port 0. */
export async function startTestService(
  options: TestServiceOptions = {},
  /** The temporary data folder a restarted service still owns and deletes on dispose. */
  ownedDataDir?: TempDir,
): Promise<TestService> {
  const temp: TempDir | undefined = options.dataDir ? ownedDataDir : await tempDir("edge-pki-data-");
  const dataDir = options.dataDir ?? (temp as TempDir).path;
  const env = {
    EDGE_PKI_DATA_DIR: dataDir,
    EDGE_PKI_PORT: "0",
    EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
    ...options.env,
  };
  const runtime: Runtime = { config: loadConfig(env), logger: silentLogger, clock: options.clock };
  const keyStore = await openKeyStore(runtime);
  await initialiseCa(runtime, keyStore);
  const context = await openServiceContext(runtime, keyStore);
  const server = await startServer(context, runtime.config, silentLogger);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
    await context.store.close();
  };
  return {
    url: server.url,
    dataDir,
    context,
    stop,
    restart: async () => {
      await stop();
      return startTestService({ ...options, dataDir }, temp);
    },
    dispose: async () => {
      await stop();
      await temp?.remove();
    },
  };
}

/** JSON request helper returning status, headers and parsed body. */
export async function call(
  url: string,
  init: { method?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  let body: string | undefined;
  if (init.rawBody !== undefined) body = init.rawBody;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(url, {
    method: init.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

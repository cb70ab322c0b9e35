import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { mintApiToken } from "../../src/app/mint-api-token.js";
import type { ServiceContext } from "../../src/app/service-context.js";
import {
  firstAdminTokenFile,
  initialiseCa,
  openKeyStore,
  openServiceContext,
  type Runtime,
} from "../../src/compose.js";
import { loadConfig } from "../../src/config/config.js";
import type { Role } from "../../src/core/roles.js";
import { type Logger, silentLogger } from "../../src/logger.js";
import type { Clock } from "../../src/ports/clock.js";
import { startServer } from "../../src/server.js";
import { type TempDir, tempDir } from "./openssl.js";

export interface TestService {
  url: string;
  dataDir: string;
  context: ServiceContext;
  /**
   * The admin token the first start wrote to `<data folder>/admin.token`; throws for a replica that
   * started with a data folder of its own on an existing deployment (only the first start mints one).
   */
  readonly adminToken: string;
  /** Mints a token from the service's own issuer, as `edge-pki-ca token create` does. */
  token(roles: Role[], options?: { devicePrefix?: string; subject?: string }): Promise<string>;
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
  /** Pins the service's clock (token checks, rate limits). */
  clock?: Clock;
  /** Where the server logs (access log, failures); silent by default. */
  logger?: Logger;
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
    // Attack tests fail authentication on purpose; the failure budget has a test of its own.
    EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "0",
    ...options.env,
  };
  const runtime: Runtime = { config: loadConfig(env), logger: silentLogger, clock: options.clock };
  const keyStore = await openKeyStore(runtime, "create");
  const init = await initialiseCa(runtime, keyStore);
  const context = await openServiceContext(runtime, keyStore);
  const adminTokenFile = await firstAdminTokenFile(runtime, context, init);
  const adminToken = adminTokenFile && (await readFile(adminTokenFile.path, "utf8")).trim();
  const server = await startServer(context, runtime.config, options.logger ?? silentLogger);
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
    get adminToken() {
      if (adminToken === undefined) throw new Error(`no admin.token in ${dataDir}`);
      return adminToken;
    },
    token: async (roles, tokenOptions = {}) =>
      (
        await mintApiToken(context, {
          // A subject holds one live token: each token gets its own unless the test names one.
          subject: tokenOptions.subject ?? `test-${roles.join("+")}-${randomUUID()}`,
          roles,
          devicePrefix: tokenOptions.devicePrefix,
          lifetimeSeconds: 3600,
          actor: "test",
        })
      ).token,
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

export interface CallInit {
  method?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
}

/** JSON request helper returning status, headers and parsed body. */
export async function call(
  url: string,
  init: CallInit = {},
): Promise<{ status: number; headers: Headers; body: any; text: string }> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
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

import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Problem } from "@edge-pki/api-contract";
import { mintApiToken } from "../../src/app/mint-api-token.js";
import type { ServiceContext } from "../../src/app/service-context.js";
import {
  createMetrics,
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
import { type RunningServer, startServer } from "../../src/server.js";
import { type TempDir, tempDir } from "./openssl.js";

/**
 * A running service. The handle stays the same across `restart()`, so a fixture (or a variable)
 * holding it always speaks to the current run: `url` and `context` change, the data folder does not.
 */
export interface TestService {
  /** Where the current run listens (port 0: each run gets a new port). */
  readonly url: string;
  readonly dataDir: string;
  /** The EST listener of the current run, when EDGE_PKI_EST_PORT is set. */
  readonly est: RunningServer["est"];
  /** The current run's composition: store, CA, clock, token issuer. */
  readonly context: ServiceContext;
  /**
   * The admin token the first start wrote to `<data folder>/admin.token`; throws for a replica that
   * started with a data folder of its own on an existing deployment (only the first start mints one).
   */
  readonly adminToken: string;
  /** Mints a token from the service's own issuer, as `edge-pki-ca token create` does. */
  token(
    roles: Role[],
    options?: { devicePrefix?: string; subject?: string; rateLimitPerMinute?: number },
  ): Promise<string>;
  /** Stops the server and closes the store, keeping the data folder. */
  stop(): Promise<void>;
  /** Stops, then starts again on the same data folder and settings. */
  restart(): Promise<void>;
  /** Stops and deletes the data folder, if this handle created it. */
  dispose(): Promise<void>;
}

export interface TestServiceOptions {
  /** A data folder to start on (a restart, a second replica); a fresh temporary one otherwise. */
  dataDir?: string;
  env?: Record<string, string>;
  /** Pins or moves the service's clock (token checks, rate limits, CRL schedule, retention). */
  clock?: Clock;
  /** Where the server logs (access log, failures); silent by default. */
  logger?: Logger;
}

/** One run of the service: what stops with it. */
interface Run {
  url: string;
  est: RunningServer["est"];
  context: ServiceContext;
  adminToken: string | undefined;
  stop(): Promise<void>;
}

/** Boots the real service (real key store, real SQLite, real HTTP server) on 127.0.0.1, port 0. */
export async function startTestService(options: TestServiceOptions = {}): Promise<TestService> {
  const owned: TempDir | undefined =
    options.dataDir === undefined ? await tempDir("edge-pki-data-") : undefined;
  const dataDir = options.dataDir ?? (owned as TempDir).path;
  let run = await boot(dataDir, options);
  return {
    get url() {
      return run.url;
    },
    dataDir,
    get est() {
      return run.est;
    },
    get context() {
      return run.context;
    },
    get adminToken() {
      if (run.adminToken === undefined) throw new Error(`no admin.token in ${dataDir}`);
      return run.adminToken;
    },
    token: async (roles, tokenOptions = {}) =>
      (
        await mintApiToken(run.context, {
          // A subject holds one live token: each token gets its own unless the test names one.
          subject: tokenOptions.subject ?? `test-${roles.join("+")}-${randomUUID()}`,
          roles,
          devicePrefix: tokenOptions.devicePrefix,
          rateLimitPerMinute: tokenOptions.rateLimitPerMinute,
          lifetimeSeconds: 3600,
          actor: "test",
        })
      ).token,
    stop: () => run.stop(),
    restart: async () => {
      await run.stop();
      run = await boot(dataDir, options);
    },
    dispose: async () => {
      await run.stop();
      await owned?.remove();
    },
  };
}

/**
 * The settings a test service runs with on `dataDir`: port 0 on loopback, a fixed passphrase, no
 * failed-authentication budget, then the test's own. Replica processes get the same.
 */
export function testServiceEnv(dataDir: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    EDGE_PKI_DATA_DIR: dataDir,
    EDGE_PKI_PORT: "0",
    EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
    // Attack tests fail authentication on purpose; the failure budget has a test of its own.
    EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "0",
    // A replica started as a process is one process: per-process budgets stay exact, and several
    // workers have tests of their own (workers.test.ts).
    EDGE_PKI_WORKERS: "1",
    ...env,
  };
}

async function boot(dataDir: string, options: TestServiceOptions): Promise<Run> {
  const runtime: Runtime = {
    config: loadConfig(testServiceEnv(dataDir, options.env)),
    logger: silentLogger,
    clock: options.clock,
    metrics: createMetrics(),
  };
  const keyStore = await openKeyStore(runtime, "create");
  const init = await initialiseCa(runtime, keyStore);
  const context = await openServiceContext(runtime, keyStore);
  const adminTokenFile = await firstAdminTokenFile(runtime, context, init);
  const adminToken = adminTokenFile && (await readFile(adminTokenFile.path, "utf8")).trim();
  const server = await startServer(context, runtime.config, options.logger ?? silentLogger);
  let stopped = false;
  return {
    url: server.url,
    est: server.est,
    context,
    adminToken,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.close();
      await context.store.close();
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

/** A response: status, headers, the raw text and the parsed JSON. */
export interface Answer<Body> {
  status: number;
  headers: Headers;
  /** The JSON body, as the call site says it expects it (problem details unless told otherwise). */
  body: Body;
  /**
   * The same JSON read as problem details: what an error status carries, for call sites that expect
   * a success body but check a refusal too (races, retries).
   */
  problem: Problem;
  /** The body as sent; what non-JSON answers (PEM, CRL) are read from. */
  text: string;
}

/**
 * JSON request helper. `Body` names what the call site expects (`call<IssuedCertificate>(…)`); the
 * body is not validated, so a test still asserts what it relies on.
 */
export async function call<Body = Problem>(url: string, init: CallInit = {}): Promise<Answer<Body>> {
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
  return {
    status: response.status,
    headers: response.headers,
    body: parsed as Body,
    problem: parsed as Problem,
    text,
  };
}

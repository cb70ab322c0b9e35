/**
 * The Key Vault emulator: an HTTPS (or HTTP) server speaking the Key Vault REST protocol for keys and
 * certificates, with the bearer challenge, throttling and fault injection of the real service.
 */

import { randomUUID } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson } from "../json-response.js";
import { authenticate, challengeHeader, type TokenPredicate } from "./auth.js";
import { CertificateStore } from "./certificate-store.js";
import { certificateRoutes } from "./certificates.js";
import { CONTROL_PREFIX, controlRoutes } from "./control.js";
import { badParameter, KeyVaultError } from "./errors.js";
import { type FaultOptions, injectedError, validateFaults } from "./faults.js";
import { KeyStore } from "./key-store.js";
import { keyRoutes } from "./keys.js";
import { matchRoute, type RequestContext, type Route, readJsonBody } from "./routing.js";
import {
  SlidingWindowThrottle,
  type ThrottleOptions,
  TRANSACTION_TYPES,
  type TransactionType,
  throttled,
  transactionTypeOf,
} from "./throttle.js";
import { createTlsIdentity } from "./tls.js";

/** API versions the Azure SDKs can send (`serviceVersion`). */
export const SUPPORTED_API_VERSIONS = [
  "7.0",
  "7.1",
  "7.2",
  "7.3",
  "7.4",
  "7.5",
  "7.6",
  "2025-07-01",
] as const;

export interface KeyVaultEmulatorOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port; default 0 (an ephemeral port). */
  port?: number;
  /** Default `https` with a certificate generated at start; `http` needs `allowInsecureConnection` in clients. */
  protocol?: "https" | "http";
  /** Where to write the TLS certificate (PEM), e.g. for `NODE_EXTRA_CA_CERTS`. */
  certificatePath?: string;
  /** Tenant named in the 401 challenge; default `00000000-0000-0000-0000-000000000000`. */
  tenantId?: string;
  /** Token check; default: any non-empty bearer token is accepted. */
  acceptToken?: TokenPredicate;
  /** Throttling; default none. */
  throttle?: ThrottleOptions;
  /** Fault injection; default none. */
  faults?: FaultOptions;
  /** Random source for `errorRate` (0 ≤ r < 1); default `Math.random`. */
  random?: () => number;
  /** Clock in ms for timestamps and the throttle window; default `Date.now`. */
  clock?: () => number;
  /**
   * How long a certificate created with issuer `Self` stays in progress before Key Vault completes
   * it, in ms; default 100. Real vaults take seconds (the SDK's recorded "can wait until a
   * certificate is created" session polls for 10 s), so clients must poll, never assume.
   */
  selfSignedDelayMs?: number;
}

/** Runtime changes; a key that is present replaces that whole setting (`throttle: null` turns it off). */
export interface KeyVaultFaultUpdate {
  throttle?: ThrottleOptions | null;
  faults?: FaultOptions;
}

/** Counters since start. */
export interface KeyVaultEmulatorStats {
  /** Every HTTP request received, whatever its outcome. */
  requests: number;
  /** 401 answers (challenges and rejected tokens). */
  unauthorized: number;
  /** 429 answers. */
  throttled: number;
  /** 429 answers by transaction type (see `ThrottleOptions.limits`). */
  throttledByType: Record<TransactionType, number>;
  /** Injected error answers (error rate and outage). */
  faults: number;
  /** Successful `/sign` calls. */
  signs: number;
}

export interface KeyVaultEmulator {
  /** Vault URL, e.g. `https://127.0.0.1:41234`; ids in responses use the host the client called. */
  readonly url: string;
  /** PEM of the self-signed TLS certificate to trust (`tlsOptions: { ca }`); undefined over http. */
  readonly caCertificatePem: string | undefined;
  /** Where the certificate was written, when `certificatePath` was given. */
  readonly caCertificatePath: string | undefined;
  /** A snapshot of the counters. */
  readonly stats: KeyVaultEmulatorStats;
  /** Changes throttling or faults; resolves once a connection-refused outage has taken effect. */
  setFaults(update: KeyVaultFaultUpdate): Promise<void>;
  /** Closes the listener and every open connection. */
  stop(): Promise<void>;
}

/**
 * Starts a Key Vault emulator.
 *
 * @example
 * ```ts
 * const kv = await startKeyVaultEmulator();
 * const client = new KeyClient(kv.url, credential, {
 *   disableChallengeResourceVerification: true,
 *   tlsOptions: { ca: kv.caCertificatePem },
 * });
 * ```
 */
export async function startKeyVaultEmulator(
  options: KeyVaultEmulatorOptions = {},
): Promise<KeyVaultEmulator> {
  const host = options.host ?? "127.0.0.1";
  const protocol = options.protocol ?? "https";
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const tenantId = options.tenantId ?? "00000000-0000-0000-0000-000000000000";
  const throttle = new SlidingWindowThrottle(options.throttle);
  let faults = validateFaults(options.faults);
  /** Operations (`x-ms-client-request-id`) already throttled once by `throttleFirstAttempts`. */
  const firstAttempts = new Set<string>();
  const stats: KeyVaultEmulatorStats = {
    requests: 0,
    unauthorized: 0,
    throttled: 0,
    throttledByType: Object.fromEntries(TRANSACTION_TYPES.map((type) => [type, 0])) as Record<
      TransactionType,
      number
    >,
    faults: 0,
    signs: 0,
  };

  const keys = new KeyStore(clock);
  const routes: Route[] = [
    ...keyRoutes(keys, () => {
      stats.signs++;
    }),
    ...certificateRoutes(
      new CertificateStore(keys, { clock, selfSignedDelayMs: options.selfSignedDelayMs ?? 100 }),
    ),
  ];

  /** Set once the emulator object exists (the control routes act on it); before that, none match. */
  let control: Route[] = [];

  const identity = protocol === "https" ? await createTlsIdentity([host], clock()) : undefined;
  if (identity && options.certificatePath) {
    await mkdir(dirname(options.certificatePath), { recursive: true });
    await writeFile(options.certificatePath, identity.certificatePem);
  }

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const headers: Record<string, string> = { "x-ms-request-id": randomUUID() };
    const clientRequestId = request.headers["x-ms-client-request-id"];
    if (typeof clientRequestId === "string") headers["x-ms-client-request-id"] = clientRequestId;
    const [path = "/", query = ""] = (request.url ?? "/").split("?", 2);
    if (path.startsWith(CONTROL_PREFIX)) return answer(control, request, response, path, headers);
    stats.requests++;
    try {
      if (faults.latencyMs) await sleep(faults.latencyMs);
      if (faults.outage) {
        stats.faults++;
        throw new KeyVaultError(503, "ServiceUnavailable", "The service is temporarily unavailable.");
      }
      try {
        authenticate(request.headers, options.acceptToken);
      } catch (error) {
        stats.unauthorized++;
        headers["www-authenticate"] = challengeHeader(tenantId);
        throw error;
      }
      const type = transactionTypeOf(request.method ?? "GET", path);
      const decision = throttle.admit(type, clock());
      if (!decision.admitted) {
        stats.throttled++;
        stats.throttledByType[type]++;
        if (decision.retryAfterSeconds !== undefined)
          headers["retry-after"] = String(decision.retryAfterSeconds);
        if (decision.retryAfterMs !== undefined) headers["retry-after-ms"] = String(decision.retryAfterMs);
        throw throttled();
      }
      const operationId = request.headers["x-ms-client-request-id"];
      if (faults.throttleFirstAttempts?.includes(type) && typeof operationId === "string") {
        if (!firstAttempts.has(operationId)) {
          firstAttempts.add(operationId);
          stats.throttled++;
          stats.throttledByType[type]++;
          throw throttled();
        }
      }
      if (faults.errorRate && random() < faults.errorRate) {
        stats.faults++;
        throw injectedError(faults.errorStatus ?? 500);
      }
      const apiVersion = checkApiVersion(new URLSearchParams(query).get("api-version"));
      await answer(routes, request, response, path, headers, apiVersion);
    } catch (error) {
      sendError(response, error, headers);
    }
  };

  /** Routes the request among `routeSet` and sends the result (or the error). */
  const answer = async (
    routeSet: readonly Route[],
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
    headers: Record<string, string>,
    apiVersion = "",
  ): Promise<void> => {
    try {
      const matched = matchRoute(routeSet, request.method ?? "GET", path);
      if (matched instanceof KeyVaultError) throw matched;
      const context: RequestContext = {
        vaultUrl: vaultUrlFor(request, protocol, url),
        apiVersion,
        body: request.method === "POST" || request.method === "PATCH" ? await readJsonBody(request) : {},
      };
      const result = await matched.route.handle(matched.params, context);
      send(response, result.status, result.body, { ...headers, ...result.headers });
    } catch (error) {
      sendError(response, error, headers);
    }
  };

  const listener = (request: IncomingMessage, response: ServerResponse): void => {
    void handle(request, response);
  };
  const server = identity
    ? createHttpsServer({ cert: identity.certificatePem, key: identity.privateKeyPem }, listener)
    : createHttpServer(listener);

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = (): Promise<void> =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  const url = `${protocol}://${urlHost(host)}:${port}`;
  let refusing = false;

  const applyOutage = async (): Promise<void> => {
    const refuse = faults.outage === "connection-refused";
    if (refuse && !refusing) {
      refusing = true;
      await close();
    } else if (!refuse && refusing) {
      refusing = false;
      await listen(port);
    }
  };
  await applyOutage();

  const emulator: KeyVaultEmulator = {
    url,
    caCertificatePem: identity?.certificatePem,
    caCertificatePath: identity ? options.certificatePath : undefined,
    get stats() {
      return { ...stats, throttledByType: { ...stats.throttledByType } };
    },
    async setFaults(update) {
      if ("throttle" in update) throttle.configure(update.throttle ?? undefined);
      if ("faults" in update) faults = validateFaults(update.faults);
      await applyOutage();
    },
    async stop() {
      if (!refusing) await close();
      refusing = true;
    },
  };
  control = controlRoutes(emulator);
  return emulator;
}

function checkApiVersion(version: string | null): string {
  if (version === null || version === "") throw badParameter("The api-version query parameter is required.");
  if (!(SUPPORTED_API_VERSIONS as readonly string[]).includes(version)) {
    throw badParameter(
      `The specified version (${version}) is not recognized. Consider using the latest supported version (2025-07-01).`,
    );
  }
  return version;
}

const HOST_HEADER = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The vault URL as this client addressed it, so returned ids route back to the same place. */
function vaultUrlFor(request: IncomingMessage, protocol: string, fallback: string): string {
  const hostHeader = request.headers.host;
  return hostHeader && HOST_HEADER.test(hostHeader) ? `${protocol}://${hostHeader}` : fallback;
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "localhost";
  return host.includes(":") ? `[${host}]` : host;
}

function sendError(response: ServerResponse, error: unknown, headers: Record<string, string>): void {
  const failure =
    error instanceof KeyVaultError
      ? error
      : new KeyVaultError(500, "InternalServerError", "The emulator failed to process the request.");
  send(response, failure.status, failure.toBody(), headers);
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string>,
): void {
  const vault = { ...headers, "x-ms-keyvault-service-version": "1.9.0.0" };
  if (status === 204) sendJson(response, status, undefined, vault);
  else sendJson(response, status, body, { ...vault, "cache-control": "no-cache" });
}

/**
 * The DPS emulator: Azure IoT Hub Device Provisioning Service for tests and a local dev stack. Two
 * HTTPS listeners: the service API (SAS or bearer) with the ARM certificate operations and the
 * emulator's control routes, and the device registration API over mutual TLS.
 */
import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { dirname } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { sendJson } from "../json-response.js";
import { createTlsIdentity } from "../key-vault/tls.js";
import { ArmCertificateStore } from "./arm-certificates.js";
import { armRoutes } from "./arm-routes.js";
import { deviceRoutes } from "./device-routes.js";
import { EnrollmentStore } from "./enrollments.js";
import { ArmError, DpsError } from "./errors.js";
import { matchRoute, type Route, readJson } from "./http.js";
import { RegistrationLedger } from "./registrations.js";
import { type AccessPolicy, authenticateService, type BearerPredicate } from "./sas.js";
import { serviceRoutes } from "./service-routes.js";

export interface DpsEmulatorOptions {
  /** Interface to listen on; default `127.0.0.1`. */
  host?: string;
  /** Port of the service API (and ARM); default 0, an ephemeral port. */
  servicePort?: number;
  /** Port of the device registration API; default 0. */
  devicePort?: number;
  /** The instance's host name: what SAS tokens are signed for (`sr`). Default `localhost`. */
  hostName?: string;
  /** Default: `0ne` and 8 random hexadecimal digits, like DPS's. */
  idScope?: string;
  /** The `provisioningserviceowner` key, base64; default random. */
  sharedAccessKey?: string;
  /** Accepts a bearer token (Entra ID); default: any non-empty one. */
  acceptBearer?: BearerPredicate;
  /** The IoT hubs linked to the instance; default one, `edge-pki-emulator.azure-devices.net`. */
  linkedHubs?: string[];
  /** `Retry-After` of a registration's 202, in seconds; default 1. Tests use 0. */
  retryAfterSeconds?: number;
  /** Where to write the TLS certificate (PEM) that clients must trust. */
  certificatePath?: string;
  faults?: DpsFaults;
  clock?: () => number;
}

/** Faults: a 503 outage on every API, and added latency. */
export interface DpsFaults {
  outage?: boolean;
  latencyMs?: number;
}

export interface DpsEmulatorStats {
  requests: number;
  unauthorized: number;
  registrations: { assigned: number; disabled: number; refused: number };
}

export interface DpsEmulator {
  /** The service API and ARM, e.g. `https://127.0.0.1:41234`. */
  readonly serviceUrl: string;
  /** The device registration API (mutual TLS). */
  readonly deviceUrl: string;
  readonly hostName: string;
  readonly idScope: string;
  /** `HostName=…;SharedAccessKeyName=provisioningserviceowner;SharedAccessKey=…`. */
  readonly connectionString: string;
  /** The TLS certificate to trust (`ca`). */
  readonly caCertificatePem: string;
  readonly stats: DpsEmulatorStats;
  setFaults(faults: DpsFaults): void;
  stop(): Promise<void>;
}

export const CONTROL_PREFIX = "/_emulator/";
const OWNER_POLICY = "provisioningserviceowner";

/**
 * Starts a DPS emulator.
 *
 * @example
 * ```ts
 * const dps = await startDpsEmulator({ retryAfterSeconds: 0 });
 * // service: dps.serviceUrl + dps.connectionString; devices: dps.deviceUrl + dps.idScope
 * ```
 */
export async function startDpsEmulator(options: DpsEmulatorOptions = {}): Promise<DpsEmulator> {
  const host = options.host ?? "127.0.0.1";
  const clock = options.clock ?? Date.now;
  const now = () => new Date(clock());
  const hostName = options.hostName ?? "localhost";
  const idScope = options.idScope ?? `0ne${randomBytes(4).toString("hex").toUpperCase()}`;
  const policies: AccessPolicy[] = [
    { keyName: OWNER_POLICY, primaryKey: options.sharedAccessKey ?? randomBytes(32).toString("base64") },
  ];
  const acceptBearer = options.acceptBearer ?? ((token: string) => token !== "");
  let faults: DpsFaults = { ...options.faults };
  const stats: DpsEmulatorStats = {
    requests: 0,
    unauthorized: 0,
    registrations: { assigned: 0, disabled: 0, refused: 0 },
  };

  const enrollments = new EnrollmentStore(now);
  const certificates = new ArmCertificateStore(now);
  const ledger = new RegistrationLedger(now, options.linkedHubs ?? ["edge-pki-emulator.azure-devices.net"]);
  const service = serviceRoutes(enrollments, ledger);
  const arm = armRoutes(certificates);
  const device = deviceRoutes({
    idScope,
    enrollments,
    certificates,
    ledger,
    now,
    retryAfterSeconds: options.retryAfterSeconds ?? 1,
    onRegistration: (outcome) => {
      stats.registrations[outcome]++;
    },
  });

  const identity = await createTlsIdentity([host, hostName], clock());
  if (options.certificatePath) {
    await mkdir(dirname(options.certificatePath), { recursive: true });
    await writeFile(options.certificatePath, identity.certificatePem);
  }

  const answer = async (
    routes: readonly Route[],
    request: IncomingMessage,
    response: ServerResponse,
    authenticate: (path: string) => "arm" | "service" | "none",
  ): Promise<void> => {
    const url = new URL(request.url ?? "/", "https://emulator");
    const isArm = url.pathname.toLowerCase().startsWith("/subscriptions/");
    try {
      if (url.pathname.startsWith(CONTROL_PREFIX)) {
        sendJson(response, ...control(url.pathname, request.method ?? "GET", await readJson(request)), {});
        return;
      }
      stats.requests++;
      if (faults.latencyMs) await sleep(faults.latencyMs);
      if (faults.outage)
        throw new DpsError(503, 503000, "The service is temporarily unavailable.", { "retry-after": "1" });
      const scheme = authenticate(url.pathname);
      if (scheme !== "none") {
        const authorization = request.headers.authorization;
        if (scheme === "arm") {
          if (!/^Bearer\s+\S+$/i.test(authorization ?? "")) {
            throw new ArmError(
              401,
              "AuthenticationFailed",
              "Authentication failed: a bearer token is required.",
            );
          }
        } else {
          authenticateService(authorization, { hostName, policies, acceptBearer, nowMs: clock() });
        }
      }
      const matched = matchRoute(routes, request.method ?? "GET", url.pathname);
      if (matched === undefined || matched === "method") {
        throw isArm
          ? new ArmError(matched ? 405 : 404, matched ? "MethodNotAllowed" : "NotFound", "No such operation.")
          : new DpsError(matched ? 405 : 404, matched ? 405000 : 404000, "No such operation.");
      }
      const body =
        request.method === "GET" || request.method === "DELETE" ? undefined : await readJson(request);
      const result = await matched.route.handle({
        params: matched.params,
        query: url.searchParams,
        headers: request.headers,
        body,
        raw: request,
      });
      sendJson(response, result.status, result.body, result.headers ?? {});
    } catch (error) {
      if ((error instanceof ArmError || error instanceof DpsError) && error.status === 401)
        stats.unauthorized++;
      if (error instanceof ArmError) {
        sendJson(response, error.status, error.toBody(), { "x-ms-error-code": error.code });
      } else if (error instanceof DpsError) {
        sendJson(response, error.status, error.toBody(now()), {
          ...error.headers,
          "x-ms-error-code": String(error.errorCode),
        });
      } else {
        sendJson(response, 500, new DpsError(500, 500000, "The emulator failed.").toBody(now()), {});
      }
    }
  };

  const control = (path: string, method: string, body: unknown): [number, unknown] => {
    if (path === "/_emulator/stats" && method === "GET") return [200, stats];
    if (path === "/_emulator/faults" && method === "POST") {
      const update = (body as { faults?: unknown } | undefined)?.faults;
      if (typeof update !== "object" || update === null)
        return [400, { message: 'body must be {"faults": {…}}' }];
      faults = { ...(update as DpsFaults) };
      return [200, { applied: faults }];
    }
    return [404, { message: "No such control route." }];
  };

  const tls = { cert: identity.certificatePem, key: identity.privateKeyPem };
  const serviceServer = createServer(tls, (request, response) => {
    const isArm = (request.url ?? "").toLowerCase().startsWith("/subscriptions/");
    void answer(isArm ? arm : service, request, response, () => (isArm ? "arm" : "service"));
  });
  // The device API asks for a client certificate and judges it itself, against the enrollments.
  const deviceServer = createServer(
    { ...tls, requestCert: true, rejectUnauthorized: false },
    (request, response) => {
      void answer(device, request, response, () => "none");
    },
  );
  const servicePort = await listen(serviceServer, host, options.servicePort ?? 0);
  const devicePort = await listen(deviceServer, host, options.devicePort ?? 0);
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    serviceUrl: `https://${urlHost}:${servicePort}`,
    deviceUrl: `https://${urlHost}:${devicePort}`,
    hostName,
    idScope,
    connectionString: `HostName=${hostName};SharedAccessKeyName=${OWNER_POLICY};SharedAccessKey=${policies[0]?.primaryKey}`,
    caCertificatePem: identity.certificatePem,
    get stats() {
      return structuredClone(stats);
    },
    setFaults(update) {
      faults = { ...update };
    },
    async stop() {
      await Promise.all([close(serviceServer), close(deviceServer)]);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

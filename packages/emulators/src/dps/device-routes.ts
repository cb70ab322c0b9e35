/**
 * The device registration API (spec `device.json`): authenticated by the TLS client certificate
 * alone. `PUT /{idScope}/registrations/{registrationId}/register` answers 202 `assigning` with an
 * operation id; `GET …/operations/{operationId}` reports how it ended; `POST
 * /{idScope}/registrations/{registrationId}` looks the registration up.
 */
import { X509Certificate } from "node:crypto";
import type { TLSSocket } from "node:tls";
import type { ArmCertificateStore } from "./arm-certificates.js";
import { attest } from "./attestation.js";
import { type EnrollmentStore, ID_PATTERN } from "./enrollments.js";
import { badRequest, DpsError, notFound, unauthorized } from "./errors.js";
import type { Route, RouteRequest } from "./http.js";
import { type RegistrationLedger, renderState } from "./registrations.js";

/** What devices send: the Node device SDK's `2019-03-31`, the docs' `2021-06-01`, and `2021-10-01`. */
export const DEVICE_API_VERSIONS = ["2019-03-31", "2021-06-01", "2021-10-01"] as const;

export interface DeviceApi {
  idScope: string;
  enrollments: EnrollmentStore;
  certificates: ArmCertificateStore;
  ledger: RegistrationLedger;
  now: () => Date;
  retryAfterSeconds: number;
  onRegistration(outcome: "assigned" | "disabled" | "refused"): void;
}

const SCOPE = "^/([^/]+)/registrations/([^/]+)";

export function deviceRoutes(api: DeviceApi): Route[] {
  const route = (method: string, suffix: string, handle: Route["handle"]): Route => ({
    method,
    pattern: new RegExp(`${SCOPE}${suffix}$`, "i"),
    handle: (request) => {
      checkApiVersion(request.query.get("api-version"));
      if ((request.params[0] as string).toLowerCase() !== api.idScope.toLowerCase()) {
        throw notFound(`The ID scope '${request.params[0]}' is not this DPS instance's.`);
      }
      return handle(request);
    },
  });
  return [
    route("PUT", "/register", (request) => {
      const registrationId = request.params[1] as string;
      const body = request.body as { registrationId?: unknown } | undefined;
      if (
        typeof body?.registrationId !== "string" ||
        body.registrationId.toLowerCase() !== registrationId.toLowerCase()
      ) {
        throw badRequest("The body's registrationId must equal the one in the path.");
      }
      if (!ID_PATTERN.test(registrationId))
        throw badRequest(`'${registrationId}' is not a valid registrationId.`);
      const chain = presentedChain(request);
      let operation: ReturnType<RegistrationLedger["register"]>;
      try {
        const attestation = attest(registrationId, chain, api, api.now());
        operation = api.ledger.register(registrationId, chain[0] as X509Certificate, attestation);
      } catch (error) {
        api.onRegistration("refused");
        throw error;
      }
      api.onRegistration(operation.state.status);
      return {
        status: 202,
        body: { operationId: operation.operationId, status: "assigning" },
        headers: { "retry-after": String(api.retryAfterSeconds) },
      };
    }),
    route("GET", "/operations/([^/]+)", (request) => {
      const registrationId = request.params[1] as string;
      assertHolder(registrationId, presentedChain(request));
      const operation = api.ledger.operation(request.params[2] as string);
      if (
        operation === undefined ||
        operation.registrationId.toLowerCase() !== registrationId.toLowerCase()
      ) {
        throw notFound(`The operation '${request.params[2]}' does not exist.`);
      }
      return {
        status: 200,
        body: {
          operationId: operation.operationId,
          status: operation.state.status,
          registrationState: renderState(operation.state),
        },
      };
    }),
    route("POST", "", (request) => {
      const registrationId = request.params[1] as string;
      assertHolder(registrationId, presentedChain(request));
      const state = api.ledger.state(registrationId);
      if (state === undefined) throw notFound(`The registration '${registrationId}' does not exist.`);
      return { status: 200, body: renderState(state) };
    }),
  ];
}

function checkApiVersion(version: string | null): void {
  if (version === null || !(DEVICE_API_VERSIONS as readonly string[]).includes(version)) {
    throw new DpsError(400, 400001, `The api-version '${version ?? ""}' is not supported.`);
  }
}

/** The client's chain as presented in the TLS handshake, leaf first. */
function presentedChain(request: RouteRequest): X509Certificate[] {
  const socket = request.raw.socket as TLSSocket;
  let peer = socket.getPeerCertificate?.(true);
  const chain: X509Certificate[] = [];
  // Node links each certificate to its issuer among those the client sent; a root links to itself.
  for (let depth = 0; depth < 10 && peer?.raw !== undefined; depth++) {
    chain.push(new X509Certificate(peer.raw));
    if (peer.issuerCertificate === undefined || peer.issuerCertificate === peer) break;
    peer = peer.issuerCertificate;
  }
  if (chain.length === 0) throw unauthorized("A TLS client certificate is required for X.509 registration.");
  return chain;
}

function assertHolder(registrationId: string, chain: X509Certificate[]): void {
  const subject = chain[0]?.subject.split("\n").find((part) => part.startsWith("CN="));
  if (subject?.slice(3).toLowerCase() !== registrationId.toLowerCase()) {
    throw unauthorized("The registration ID does not match the CN of the client certificate.");
  }
}

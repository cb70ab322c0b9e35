import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { OperationDefinition } from "@edge-pki/api-contract";
import express from "express";
import type { ServiceContext } from "../../src/app/service-context.js";
import { problemHandler } from "../../src/http/app.js";
import { authenticatorsFor } from "../../src/http/authentication/authenticators.js";
import type { CertificateForwarding } from "../../src/http/authentication/client-certificate-authenticator.js";
import { requestClientCertificates } from "../../src/http/authentication/tls-client-certificates.js";
import { bindOperations } from "../../src/http/bind-operations.js";
import { createGate } from "../../src/http/gate.js";
import type { Handlers } from "../../src/http/handler.js";
import { RateLimiter } from "../../src/http/rate-limiter.js";
import { clientAddressOf, trustedProxies } from "../../src/http/trusted-proxies.js";
import { silentLogger } from "../../src/logger.js";

export interface OperationsServer {
  url: string;
  close(): Promise<void>;
}

export interface OperationsServerOptions {
  /** Serve HTTPS with this certificate, asking clients for theirs as the service's listener does. */
  tls?: { cert: string; key: string };
  forwarding?: CertificateForwarding;
  /** Failed authentications per minute per address; off by default. */
  authFailuresPerMinute?: number;
}

/**
 * Serves operations of a table of a test's own through the service's real HTTP machinery (gate,
 * authenticators, body readers, problem+json) over a running service's context: how a mechanism
 * that no v1 operation uses yet is tried end to end.
 */
export async function serveOperations<Table extends Record<string, OperationDefinition>>(
  context: ServiceContext,
  table: Table,
  handlers: Handlers<Table>,
  options: OperationsServerOptions = {},
): Promise<OperationsServer> {
  const failures = options.authFailuresPerMinute;
  const gate = createGate({
    audit: context,
    auditSummaries: context.auditSummaries,
    authenticators: authenticatorsFor(context, options.forwarding),
    callers: {
      limiter: new RateLimiter(0, context.clock, "too many requests"),
      defaults: { perMinute: 0, devicePerMinute: 0 },
    },
    addresses: undefined,
    authFailures: failures
      ? new RateLimiter(failures, context.clock, "too many failed authentications")
      : undefined,
    clientAddress: (request) => clientAddressOf(request, trustedProxies([])),
    logger: silentLogger,
    metrics: context.metrics,
  });
  const app = express();
  app.use(bindOperations(table, handlers, gate));
  app.use(problemHandler(silentLogger));
  const server: Server = options.tls
    ? createHttpsServer(
        {
          ...options.tls,
          ...requestClientCertificates([
            ...(await context.issuingCa.knownIntermediates()),
            context.issuingCa.root,
          ]),
        },
        app,
      )
    : createHttpServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

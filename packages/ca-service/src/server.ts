import { readFileSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { ServiceContext } from "./app/service-context.js";
import type { Config } from "./config/config.js";
import { type EstListener, readBootstrapCas, startEstListener } from "./est-listener.js";
import { createHttpApp } from "./http/app.js";
import { requestClientCertificates } from "./http/authentication/tls-client-certificates.js";
import { trustedProxies } from "./http/trusted-proxies.js";
import { listenOn } from "./listen.js";
import type { Logger } from "./logger.js";
import { SERVICE_VERSION } from "./version.js";

export interface RunningServer {
  url: string;
  server: Server;
  /** The EST listener, when EDGE_PKI_EST_PORT is set. */
  est?: EstListener | undefined;
  close(): Promise<void>;
}

/** Serves the API over HTTPS when a TLS certificate is configured, plain HTTP otherwise. */
export async function startServer(
  context: ServiceContext,
  config: Config,
  logger: Logger,
): Promise<RunningServer> {
  const proxies = trustedProxies(config.trustedProxies);
  const bootstrapCas = config.est?.bootstrapCaFile ? readBootstrapCas(config.est.bootstrapCaFile) : [];
  const app = createHttpApp({
    context,
    logger,
    version: SERVICE_VERSION,
    rateLimits: config.rateLimits,
    trustedProxies: proxies,
    certificateForwarding:
      config.clientCertificateHeader === undefined
        ? undefined
        : { proxies, header: config.clientCertificateHeader },
    est: config.est && { edgeCa: config.est.edgeCa, bootstrapCas },
  });
  const server = config.tls
    ? createHttpsServer(
        {
          cert: readFileSync(config.tls.certPath),
          key: readFileSync(config.tls.keyPath),
          ...(config.tls.requestClientCertificates &&
            requestClientCertificates([
              ...(await context.issuingCa.knownIntermediates()),
              context.issuingCa.root,
            ])),
        },
        app,
      )
    : createHttpServer(app);
  const connections = manageConnections(server, { logger, listener: "api" });
  const listening = await listenOn(server, config.host, config.port, "EDGE_PKI_HOST, EDGE_PKI_PORT");
  const est =
    config.est && (await startEstListener({ context, config, est: config.est, app, bootstrapCas, logger }));
  return {
    url: `${config.tls ? "https" : "http"}://${listening}`,
    server,
    est,
    close: async () => {
      const drainMs = config.drainSeconds * 1000;
      await Promise.all([est?.close(drainMs), connections.drain(drainMs)]);
    },
  };
}

/**
 * How the server treats its connections, set once as it starts; returns how to drain it.
 *
 * - Idle connections are kept longer than the proxies in front of us keep theirs (nginx,
 *   ingress-nginx and Azure Application Gateway: 60 s or less), so that a proxy never sends a request
 *   on a connection we are closing at that moment: it would answer 502, and a POST it cannot retry
 *   would fail. Headers must come within their own time (slow clients), a whole request within 60 s.
 * - The drain stops accepting, closes idle connections and waits for the requests under way; those
 *   still under way after `drainMs` (a client that stopped sending its body) have their connections
 *   cut, so a stop never waits on a client. Nothing is lost: a request is committed before it is
 *   answered, so a cut one either committed (its Idempotency-Key gets the same answer again) or
 *   wrote nothing. The answers given while draining say `Connection: close`: a client told
 *   `keep-alive` would send its next request on a connection about to close, and a POST it cannot
 *   retry would fail with a reset.
 * - The log says when a drain waits for requests, and when it cut any at its deadline: a stop that
 *   took the whole `drainMs` is explained in the log.
 */
export function manageConnections(
  server: Server,
  log: { logger: Logger; listener: "api" | "est" },
): { drain(drainMs: number): Promise<void> } {
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  let draining = false;
  const answersUnderWay = new Set<ServerResponse>();
  server.on("request", (_request: IncomingMessage, response: ServerResponse) => {
    if (draining) {
      response.shouldKeepAlive = false;
      return;
    }
    answersUnderWay.add(response);
    response.once("close", () => answersUnderWay.delete(response));
  });
  return {
    drain: (drainMs) =>
      new Promise<void>((resolve, reject) => {
        draining = true;
        for (const response of answersUnderWay) if (!response.headersSent) response.shouldKeepAlive = false;
        const fields = { listener: log.listener, drainSeconds: drainMs / 1000 };
        if (answersUnderWay.size > 0) {
          log.logger.info("draining: waiting for the requests under way", {
            ...fields,
            requestsUnderWay: answersUnderWay.size,
          });
        }
        const deadline = setTimeout(() => {
          log.logger.warn("drain deadline passed: cutting the connections of requests still under way", {
            ...fields,
            requestsUnderWay: answersUnderWay.size,
          });
          server.closeAllConnections();
        }, drainMs);
        server.close((error) => {
          clearTimeout(deadline);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

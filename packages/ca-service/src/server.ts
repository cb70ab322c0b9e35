import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { ServiceContext } from "./app/service-context.js";
import type { Config } from "./config/config.js";
import { type EstListener, readBootstrapCas, startEstListener } from "./est-listener.js";
import { createHttpApp } from "./http/app.js";
import { requestClientCertificates } from "./http/authentication/tls-client-certificates.js";
import { trustedProxies } from "./http/trusted-proxies.js";
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
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const est =
    config.est && (await startEstListener({ context, config, est: config.est, app, bootstrapCas, logger }));
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `${config.tls ? "https" : "http"}://${host}:${port}`,
    server,
    est,
    close: async () => {
      await est?.close();
      await closeServer(server);
    },
  };
}

export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeIdleConnections();
  });
}

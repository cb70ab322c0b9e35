import { readFileSync } from "node:fs";
import type { RequestListener, Server } from "node:http";
import { createServer } from "node:https";
import { type EstServerCertificate, issueEstServerCertificate } from "./app/issue-est-server-certificate.js";
import type { ServiceContext } from "./app/service-context.js";
import type { Config } from "./config/config.js";
import type { EstConfig } from "./config/est-settings.js";
import { parseBootstrapCaBundle } from "./core/bootstrap-certificate.js";
import { isValidAt } from "./core/validity.js";
import type { x509 } from "./core/x509.js";
import { requestClientCertificates } from "./http/authentication/tls-client-certificates.js";
import { withCurrentCa } from "./http/current-ca.js";
import { listenOn } from "./listen.js";
import { describeError, type Logger } from "./logger.js";
import { manageConnections } from "./server.js";

/**
 * How often the listener looks whether its own certificate is due for renewal: by age, or because
 * the intermediate that signed it was retired (a look costs a clock read and a cached lookup).
 */
const RENEWAL_CHECK_MS = 60 * 1000;

export interface EstListener {
  url: string;
  server: Server;
  /**
   * Renews the listener's own certificate if two thirds of its lifetime have passed (by the
   * service's clock), or once the intermediate that signed it is retired and its successor in
   * place; checked every minute. True when it renewed. Always false with EDGE_PKI_TLS_CERT.
   */
  renewIfDue(): Promise<boolean>;
  /** Drains like the API's server: see `manageConnections`. */
  close(drainMs: number): Promise<void>;
}

/** The manufacturer CAs of EDGE_PKI_EST_BOOTSTRAP_CA_FILE, a PEM bundle. */
export function readBootstrapCas(path: string): x509.X509Certificate[] {
  return parseBootstrapCaBundle(readFileSync(path, "utf8"));
}

/**
 * The EST listener: TLS that asks for a client certificate without requiring one (cacerts is
 * public; Basic comes in the request), naming our CAs and the manufacturer CAs as acceptable
 * issuers. Its certificate is EDGE_PKI_TLS_CERT's, or else one our CA issues at start and renews.
 */
export async function startEstListener(options: {
  context: ServiceContext;
  config: Config;
  est: EstConfig;
  app: RequestListener;
  bootstrapCas: readonly x509.X509Certificate[];
  logger: Logger;
}): Promise<EstListener> {
  const { context, config, est, logger } = options;
  const issue = async () => issueEstServerCertificate(await withCurrentCa(context), est.serverNames);
  let own: EstServerCertificate | undefined = config.tls ? undefined : await issue();
  const identity = () =>
    config.tls
      ? { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) }
      : { cert: own?.certificatePem, key: own?.keyPem };
  const clientCertificates = requestClientCertificates([
    ...(await context.issuingCa.knownIntermediates()),
    context.issuingCa.root,
    ...options.bootstrapCas,
  ]);
  const server = createServer({ ...identity(), ...clientCertificates }, options.app);
  const connections = manageConnections(server, { logger, listener: "est" });
  /** The intermediate in use, unless it is retired and its successor not in place yet. */
  const currentIssuer = () =>
    context.issuingCa.current().then(
      (ca) => ca.certificate.serialNumber.toLowerCase(),
      () => undefined,
    );
  const renewIfDue = async () => {
    if (own === undefined) return false;
    const issuer = await currentIssuer();
    const signedByRetired = issuer !== undefined && issuer !== own.issuerSerialNumber;
    if (context.clock.now() < own.renewAfter && !signedByRetired) return false;
    own = await issue();
    server.setSecureContext({ ...identity(), ca: clientCertificates.ca });
    logger.info("EST server certificate renewed", { notAfter: own.notAfter.toISOString() });
    return true;
  };
  const timer = setInterval(() => {
    renewIfDue().catch((error: unknown) =>
      logger.error("could not renew the EST server certificate", { error: describeError(error) }),
    );
  }, RENEWAL_CHECK_MS);
  timer.unref();
  const listening = await listenOn(server, config.host, est.port, "EDGE_PKI_HOST, EDGE_PKI_EST_PORT");
  logger.info("EST listening", { url: `https://${listening}`, manufacturerCas: options.bootstrapCas.length });
  // Checked again on every enrolment; said here so that an operator learns of it before devices do.
  const now = context.clock.now();
  for (const ca of options.bootstrapCas) {
    if (!isValidAt(ca, now)) {
      logger.warn("a manufacturer CA is not valid now: its devices cannot enrol", {
        subject: ca.subject,
        notBefore: ca.notBefore.toISOString(),
        notAfter: ca.notAfter.toISOString(),
      });
    }
  }
  return {
    url: `https://${listening}`,
    server,
    renewIfDue,
    close: async (drainMs) => {
      clearInterval(timer);
      await connections.drain(drainMs);
    },
  };
}

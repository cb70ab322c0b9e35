import { type Operations, operations } from "@edge-pki/api-contract";
import express, { type NextFunction, type Request, type Response } from "express";
import type { ServiceContext } from "../app/service-context.js";
import { CaError } from "../core/errors.js";
import type { EdgeCaPolicy } from "../core/est-enrollment.js";
import type { x509 } from "../core/x509.js";
import { describeError, type Logger } from "../logger.js";
import type { HttpMetrics } from "../ports/metrics.js";
import { authenticatorsFor } from "./authentication/authenticators.js";
import type { CertificateForwarding } from "./authentication/client-certificate-authenticator.js";
import { bindOperations } from "./bind-operations.js";
import { estClientCertificateAuthenticator } from "./est/est-client-certificate-authenticator.js";
import { estRouter } from "./est/est-router.js";
import { firstPresentedCredential } from "./est/first-presented-credential.js";
import { createGate, type GateOptions } from "./gate.js";
import type { Handlers } from "./handler.js";
import { openApiDocument } from "./openapi.js";
import { renderProblem } from "./problem.js";
import { RateLimiter } from "./rate-limiter.js";
import { apiTokenHandlers } from "./routes/api-tokens.js";
import { auditHandlers } from "./routes/audit.js";
import { caHandlers } from "./routes/ca.js";
import { certificateHandlers } from "./routes/certificates.js";
import { estCredentialHandlers } from "./routes/est-credentials.js";
import { estDeviceBlockHandlers } from "./routes/est-device-blocks.js";
import { healthHandlers } from "./routes/health.js";
import { metricsHandlers } from "./routes/metrics.js";
import { renewalHandlers } from "./routes/renewal.js";
import { revocationHandlers } from "./routes/revocation.js";
import { tokenHandlers } from "./routes/tokens.js";
import { verificationHandlers } from "./routes/verification.js";
import { clientAddressOf, type TrustedProxies, trustedProxies } from "./trusted-proxies.js";

export interface RateLimits {
  /** Requests per minute per caller with an API or OpenID Connect token without a limit of its own; 0: unlimited. */
  perMinute: number;
  /** Requests per minute per device (bootstrap token, renewal proof, client certificate); 0: unlimited. */
  devicePerMinute: number;
  /** Requests per minute per address for public CA material, CRL and JWKS; 0 turns this limit off. */
  publicPerMinute: number;
  /** Failed authentications per minute per client address; 0 turns this limit off. */
  authFailuresPerMinute: number;
}

export interface HttpAppOptions {
  context: ServiceContext;
  logger: Logger;
  version: string;
  rateLimits: RateLimits;
  /** The TLS-terminating proxies whose `X-Forwarded-For` names the client; none by default. */
  trustedProxies?: TrustedProxies;
  /** Where a trusted TLS-terminating proxy forwards client certificates; undefined: nowhere. */
  certificateForwarding?: CertificateForwarding | undefined;
  /** EST under /.well-known/est; undefined: not served. */
  est?: { edgeCa: EdgeCaPolicy; bootstrapCas: readonly x509.X509Certificate[] } | undefined;
}

export function createHttpApp(options: HttpAppOptions): express.Express {
  const { context, rateLimits } = options;
  const handlers: Handlers<Operations> = {
    ...healthHandlers(context, options.logger),
    ...caHandlers(context),
    ...tokenHandlers(context),
    ...apiTokenHandlers(context),
    ...estCredentialHandlers(context),
    ...estDeviceBlockHandlers(context),
    ...certificateHandlers(context),
    ...renewalHandlers(context),
    ...revocationHandlers(context),
    ...auditHandlers(context),
    ...verificationHandlers(context),
    ...metricsHandlers(context),
  };
  const proxies = options.trustedProxies ?? trustedProxies([]);
  const clientAddress = (request: Request) => clientAddressOf(request, proxies);
  const limiter = (perMinute: number, message: string) =>
    perMinute > 0 ? new RateLimiter(perMinute, context.clock, message) : undefined;
  const gateOptions: GateOptions = {
    audit: context,
    auditSummaries: context.auditSummaries,
    authenticators: authenticatorsFor(context, options.certificateForwarding),
    // Always there, even when the defaults are off: a token minted with a limit of its own keeps it.
    callers: {
      limiter: new RateLimiter(0, context.clock, "too many requests from this client"),
      defaults: { perMinute: rateLimits.perMinute, devicePerMinute: rateLimits.devicePerMinute },
    },
    addresses: limiter(rateLimits.publicPerMinute, "too many requests from this address"),
    authFailures: limiter(
      rateLimits.authFailuresPerMinute,
      "too many failed authentications from this address",
    ),
    clientAddress,
    logger: options.logger,
    metrics: context.metrics,
  };
  const gate = createGate(gateOptions);
  const openApi = openApiDocument(operations, options.version);

  const app = express();
  app.set("case sensitive routing", true);
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(accessLog(options.logger, clientAddress, context.metrics));
  app.get("/openapi.json", (_request, response) => {
    response.json(openApi);
  });
  if (options.est !== undefined) {
    const estGate = createGate({
      ...gateOptions,
      authenticators: {
        ...gateOptions.authenticators,
        // What EST accepts, in order; the first credential the request carries decides.
        // aziot sends Basic on every request when it is configured, beside a certificate or alone.
        "client-certificate": firstPresentedCredential([
          estClientCertificateAuthenticator({ ...context, bootstrapCas: options.est.bootstrapCas }),
          gateOptions.authenticators.basic,
        ]),
      },
    });
    app.use(estRouter({ context, gate: estGate, edgeCa: options.est.edgeCa, logger: options.logger }));
  }
  app.use(bindOperations(operations, handlers, gate));
  app.use((request: Request) => {
    throw new CaError("not_found", `no route for ${request.method} ${request.path}`);
  });
  app.use(problemHandler(options.logger));
  return app;
}

/**
 * Every failure, as problem+json; only what the service did wrong (5xx) is logged as an error. A
 * readiness probe's 503 is its answer, logged by the probe when readiness changes (`healthHandlers`).
 */
export function problemHandler(logger: Logger) {
  return (error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const problem = renderProblem(toCaError(error));
    if (problem.status >= 500 && response.locals.operationId !== "getReadiness") {
      logger.error("request failed", {
        method: request.method,
        path: request.path,
        status: problem.status,
        error: describeError(error),
      });
    }
    for (const [name, value] of Object.entries(problem.headers)) response.setHeader(name, value);
    response.status(problem.status).type("application/problem+json").send(JSON.stringify(problem.body));
  };
}

/**
 * One line per request once it is answered: method, path, status, duration and who asked (the
 * identity the gate established, `response.locals.actor`). Never tokens, queries or bodies. Each
 * answered request is also counted and timed by its operation (`response.locals.operationId`).
 */
function accessLog(
  logger: Logger,
  clientAddress: (request: Request) => string,
  metrics: Pick<HttpMetrics, "request">,
) {
  return (request: Request, response: Response, next: NextFunction) => {
    const started = performance.now();
    // "close", not "finish": a request whose client went away mid-body gets its line too.
    response.on("close", () => {
      const answered = response.writableFinished;
      if (answered) {
        metrics.request({
          operation: response.locals.operationId ?? "unmatched",
          status: response.statusCode,
          seconds: (performance.now() - started) / 1000,
        });
      }
      logger.info("request", {
        method: request.method,
        path: request.path,
        // A client that went away got no answer: no status to report.
        ...(answered ? { status: response.statusCode } : { aborted: true }),
        durationMs: Math.round(performance.now() - started),
        actor: response.locals.actor ?? `anonymous@${clientAddress(request)}`,
      });
    });
    next();
  };
}

/** Anything not already a CaError is a failure of ours: 500, its cause for the log only. */
function toCaError(error: unknown): CaError {
  if (error instanceof CaError) return error;
  return new CaError("internal", "internal error; nothing was issued", { cause: error });
}

import express, { type NextFunction, type Request, type Response } from "express";
import type { ServiceContext } from "../app/service-context.js";
import { CaError } from "../core/errors.js";
import { describeError, type Logger } from "../logger.js";
import { bindEndpoints } from "./bind-endpoints.js";
import type { Endpoint } from "./endpoint.js";
import { openApiDocument } from "./openapi.js";
import { renderProblem } from "./problem.js";
import { caEndpoints } from "./routes/ca.js";
import { certificateEndpoints } from "./routes/certificates.js";
import { healthEndpoints } from "./routes/health.js";
import { renewalEndpoints } from "./routes/renewal.js";
import { revocationEndpoints } from "./routes/revocation.js";

export const MAX_BODY_BYTES = 64 * 1024;

export interface HttpAppOptions {
  context: ServiceContext;
  logger: Logger;
  version: string;
}

export function createHttpApp(options: HttpAppOptions): express.Express {
  const endpoints: Endpoint[] = [
    ...healthEndpoints(options.context),
    ...caEndpoints(options.context),
    ...certificateEndpoints(options.context),
    ...renewalEndpoints(options.context),
    ...revocationEndpoints(options.context),
  ];
  const openApi = openApiDocument(endpoints, options.version);

  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  app.use(express.json({ limit: MAX_BODY_BYTES, strict: true, type: "application/json" }));
  app.get("/openapi.json", (_request, response) => {
    response.json(openApi);
  });
  app.use(bindEndpoints(endpoints));
  app.use((request: Request) => {
    throw new CaError("not_found", `no route for ${request.method} ${request.path}`);
  });
  app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
    const problem = renderProblem(toCaError(error));
    if (problem.status >= 500) {
      options.logger.error("request failed", {
        method: request.method,
        path: request.path,
        status: problem.status,
        error: describeError(error),
      });
    }
    if (problem.retryAfter !== undefined) response.setHeader("Retry-After", String(problem.retryAfter));
    if (problem.wwwAuthenticate !== undefined)
      response.setHeader("WWW-Authenticate", problem.wwwAuthenticate);
    response.status(problem.status).type("application/problem+json").send(JSON.stringify(problem.body));
  });
  return app;
}

/** Errors from express's body parser carry a `type`; anything unknown is an internal failure. */
function toCaError(error: unknown): CaError {
  if (error instanceof CaError) return error;
  const type = (error as { type?: string } | null)?.type;
  if (type === "entity.too.large") {
    return new CaError("payload_too_large", `the request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  if (type === "entity.parse.failed") {
    return new CaError("invalid_request", "the request body is not valid JSON", {
      errors: [{ field: "body", message: "not valid JSON" }],
    });
  }
  if (type === "encoding.unsupported" || type === "charset.unsupported") {
    return new CaError("invalid_request", "the request body's encoding is not supported");
  }
  return new CaError("internal", "internal error; nothing was issued", { cause: error });
}

import type { OperationDefinition } from "@edge-pki/api-contract";
import { type NextFunction, type Request, type Response, Router } from "express";
import type { z } from "zod";
import { CaError } from "../core/errors.js";
import { identityOf } from "../core/principal.js";
import { readBody } from "./bodies/read-body.js";
import type { Gate } from "./gate.js";
import type { Handlers } from "./handler.js";
import { validationError } from "./problem.js";
import { rateLimitClassOf } from "./rate-limit-classes.js";

/**
 * Mounts every operation of a table on a router: admit, read the body it declares, validate, call its
 * handler, answer with its status and media type. Errors go to the app's problem handler.
 */
export function bindOperations<Table extends Record<string, OperationDefinition>>(
  table: Table,
  handlers: Handlers<Table>,
  gate: Gate,
): Router {
  // Paths are case-sensitive: `/V1/CA` is not an alias anyone should come to rely on.
  const router = Router({ caseSensitive: true });
  for (const [operationId, operation] of Object.entries(table)) {
    const handle = handlers[operationId as keyof Table] as (input: unknown) => Promise<HandlerOutput>;
    const method = operation.method === "GET" ? "get" : "post";
    router[method](expressPath(operation.path), async (request: Request, response: Response) => {
      // For the request metrics: which operation answered, whatever the outcome.
      response.locals.operationId = operationId;
      const { principal, body } = await gate.admit(
        request,
        operation,
        rateLimitClassOf(operationId),
        (caller) => {
          // Known before the body is read, so that the access log names whoever sent a bad one.
          response.locals.actor = identityOf(caller);
          return readValidBody(operation, request, response);
        },
      );
      response.locals.actor = identityOf(principal);
      const params = parse(operation.params, request.params, "params");
      const query = parse(operation.query, request.query, "query");
      const result = await handle({ body, params, query, principal, request }).catch(
        async (error: unknown) => {
          await gate.refused(request, principal, error);
          throw error;
        },
      );
      for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
      response.status(operation.success.status);
      if (operation.success.mediaType === "application/json") response.json(result.body);
      else response.type(operation.success.mediaType).send(result.body);
    });
  }
  answerMethodNotAllowed(router, Object.values(table));
  return router;
}

interface HandlerOutput {
  body: unknown;
  headers?: Record<string, string>;
}

/** `/v1/certificates/{serialNumber}` → `/v1/certificates/:serialNumber`. */
function expressPath(template: string): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, ":$1");
}

async function readValidBody(operation: OperationDefinition, request: Request, response: Response) {
  const spec = operation.body;
  if (spec === undefined) return undefined;
  const body = await readBody(spec, request, response);
  return spec.mediaType === "application/json" ? parse(spec.schema, body, "body") : body;
}

/**
 * A known path with a method it does not serve: 405 with the methods it does (RFC 9110 §15.5.6).
 * Every pattern that matches contributes (`/v1/certificates/renew` also matches `…/{serialNumber}`).
 */
function answerMethodNotAllowed(router: Router, operations: readonly OperationDefinition[]): void {
  const methodsByPath = new Map<string, string[]>();
  for (const { path, method } of operations) {
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(expressPath(path), (_request: Request, response: Response, next: NextFunction) => {
      response.locals.allowedMethods = [...(response.locals.allowedMethods ?? []), ...methods];
      next();
    });
  }
  router.use((request: Request, response: Response, next: NextFunction) => {
    const methods: string[] | undefined = response.locals.allowedMethods;
    if (methods === undefined) return next();
    const allowed = [...new Set(methods.includes("GET") ? [...methods, "HEAD"] : methods)];
    response.setHeader("Allow", allowed.join(", "));
    throw new CaError(
      "method_not_allowed",
      `${request.method} is not allowed here; use ${allowed.join(" or ")}`,
    );
  });
}

function parse(
  schema: z.ZodType | undefined,
  value: unknown,
  location: "body" | "params" | "query",
): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value ?? (location === "body" ? undefined : {}));
  if (!result.success) throw validationError(result.error, location);
  return result.data;
}

import { type NextFunction, type Request, type Response, Router } from "express";
import type { z } from "zod";
import { CaError } from "../core/errors.js";
import { identityOf } from "../core/principal.js";
import type { Endpoint } from "./endpoint.js";
import type { Gate } from "./gate.js";
import { MAX_BODY_BYTES, readJsonBody } from "./json-body.js";
import { validationError } from "./problem.js";

/**
 * Mounts endpoints on a router: admit, validate, call, render. Errors go to the app's problem
 * handler.
 */
export function bindEndpoints(endpoints: readonly Endpoint[], gate: Gate): Router {
  // Paths are case-sensitive: `/V1/CA` is not an alias anyone should come to rely on.
  const router = Router({ caseSensitive: true });
  for (const definition of endpoints) {
    router[definition.method](definition.path, async (request: Request, response: Response) => {
      // Before the body is looked at: an unauthenticated caller learns nothing about validation.
      const principal = await gate.admit(request, definition);
      response.locals.actor = identityOf(principal);
      if (definition.body !== undefined) {
        assertAcceptableBody(request);
        await readJsonBody(request, response);
      }
      const body = parse(definition.body, request.body, "body");
      const params = parse(definition.params, request.params, "params");
      const query = parse(definition.query, request.query, "query");
      const result = await definition
        .handle({ body, params, query, principal, request, response })
        .catch(async (error: unknown) => {
          await gate.refused(request, principal, error);
          throw error;
        });
      for (const [name, value] of Object.entries(result.headers ?? {})) response.setHeader(name, value);
      response.status(result.status);
      if (
        result.contentType !== undefined &&
        (typeof result.body === "string" || result.body instanceof Uint8Array)
      ) {
        response.type(result.contentType).send(result.body);
      } else {
        response.json(result.body);
      }
    });
  }
  // A known path with a method it does not serve: 405 with the methods it does (RFC 9110 §15.5.6).
  // Every pattern that matches contributes (`/v1/certificates/renew` also matches `…/:serialNumber`).
  const methodsByPath = new Map<string, string[]>();
  for (const { path, method } of endpoints) {
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method.toUpperCase()]);
  }
  for (const [path, methods] of methodsByPath) {
    router.all(path, (_request: Request, response: Response, next: NextFunction) => {
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
  return router;
}

/** The size limit holds whatever the body claims to be; then only JSON is read. */
function assertAcceptableBody(request: Request): void {
  const declared = Number(request.headers["content-length"] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    throw new CaError("payload_too_large", `the request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  // An empty body is for the schema to call missing (400), whatever type it claims.
  const empty = declared === 0 && request.headers["transfer-encoding"] === undefined;
  if (!empty && !request.is("application/json")) {
    throw new CaError(
      "unsupported_media_type",
      "the request body must be JSON (Content-Type: application/json)",
    );
  }
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

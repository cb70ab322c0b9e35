import { type Request, type Response, Router } from "express";
import type { z } from "zod";
import { CaError } from "../core/errors.js";
import { identityOf } from "../core/principal.js";
import type { Endpoint } from "./endpoint.js";
import type { Gate } from "./gate.js";
import { readJsonBody } from "./json-body.js";
import { validationError } from "./problem.js";

/**
 * Mounts endpoints on a router: admit, validate, call, render. Errors go to the app's problem
 * handler.
 */
export function bindEndpoints(endpoints: readonly Endpoint[], gate: Gate): Router {
  const router = Router();
  for (const definition of endpoints) {
    router[definition.method](definition.path, async (request: Request, response: Response) => {
      // Before the body is looked at: an unauthenticated caller learns nothing about validation.
      const principal = await gate.admit(request, definition);
      response.locals.actor = identityOf(principal);
      if (definition.body !== undefined) {
        if (!request.is("application/json")) {
          throw new CaError(
            "invalid_request",
            "the request body must be JSON (Content-Type: application/json)",
          );
        }
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
  return router;
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

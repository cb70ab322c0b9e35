import { Problem } from "@edge-pki/api-contract";
import { z } from "zod";
import type { Endpoint } from "./endpoint.js";

/** OpenAPI 3.1 from the same schemas that validate requests. */
export function openApiDocument(endpoints: readonly Endpoint[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of endpoints) {
    const path = definition.path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
    const operation: Record<string, unknown> = {
      operationId: definition.operationId,
      summary: definition.summary,
      tags: definition.tags,
      parameters: [
        ...parameters(definition.params, "path"),
        ...parameters(definition.query, "query"),
        ...(definition.idempotent ? [IDEMPOTENCY_KEY_PARAMETER] : []),
      ],
      responses: Object.fromEntries(
        Object.entries(definition.responses).map(([status, response]) => [
          status,
          {
            description: response.description,
            // A media type without a schema (PEM, DER) is still listed, so clients know what comes back.
            ...((response.schema || response.contentType) && {
              content: {
                [response.contentType ?? "application/json"]: response.schema
                  ? { schema: jsonSchema(response.schema, "output") }
                  : {},
              },
            }),
          },
        ]),
      ),
    };
    if (definition.access !== "public") {
      operation.security = [{ bearer: [] }];
      operation["x-required-permission"] = definition.access;
      operation.responses = { ...AUTH_RESPONSES, ...(operation.responses as Record<string, unknown>) };
    }
    if (definition.body) {
      operation.requestBody = {
        required: true,
        content: { "application/json": { schema: jsonSchema(definition.body, "input") } },
      };
    }
    paths[path] = { ...paths[path], [definition.method]: operation };
  }
  const { schemas } = z.toJSONSchema(z.globalRegistry, {
    io: "input",
    unrepresentable: "any",
    uri: componentUri,
  });
  return {
    openapi: "3.1.0",
    info: { title: "Edge PKI CA service", version },
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([id, schema]) => [id, withoutDialect(schema)]),
      ),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description:
            "A JWT from this service's own issuer (keys at /.well-known/jwks.json) or a configured OpenID Connect issuer",
        },
      },
    },
  };
}

const componentUri = (id: string) => `#/components/schemas/${id}`;

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: jsonSchema(Problem, "output") } },
});

/** What the authentication layer may answer on any protected endpoint. */
const AUTH_RESPONSES = {
  401: problem("No token, or one that does not verify; see WWW-Authenticate"),
  403: problem("The token lacks the permission this endpoint requires (named in the detail)"),
  429: problem("Rate limited; see Retry-After"),
};

const IDEMPOTENCY_KEY_PARAMETER = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "1 to 255 visible ASCII characters. A retry with the same key and body within 24 hours returns the " +
    "first response instead of issuing again; the same key with another body gets 422. For " +
    "POST /v1/credentials a retry gets 409 instead: the private key is never stored, so it is returned only once. " +
    "Keys are per caller, and a retry passes every authorisation check again. A one-time bootstrap token's " +
    "retry (same token, key and body) gets 201 with the certificate its first use issued, although the token " +
    "is used; any other use of a used token gets 401.",
  schema: { type: "string", minLength: 1, maxLength: 255 },
};

/** Named schemas (`.meta({ id })`) become components; the rest are inlined. */
function jsonSchema(schema: z.ZodType, io: "input" | "output"): Record<string, unknown> {
  const id = z.globalRegistry.get(schema)?.id;
  if (id !== undefined) return { $ref: componentUri(id) };
  return withoutDialect(z.toJSONSchema(schema, { io, unrepresentable: "any" }));
}

function withoutDialect(schema: object): Record<string, unknown> {
  // A fragment-only $id is not valid JSON Schema 2020-12; components are named by their key anyway.
  const { $schema: _dialect, $id: _id, ...rest } = schema as Record<string, unknown>;
  return rest;
}

function parameters(schema: z.ZodType | undefined, location: "path" | "query"): Record<string, unknown>[] {
  if (!schema) return [];
  const object = jsonSchema(schema, "input") as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: location,
    required: location === "path" || (object.required ?? []).includes(name),
    schema: property,
  }));
}

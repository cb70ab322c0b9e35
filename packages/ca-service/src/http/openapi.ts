import { type OperationDefinition, Problem } from "@edge-pki/api-contract";
import { z } from "zod";

/** OpenAPI 3.1 from the operation table: the same schemas that validate requests and shape responses. */
export function openApiDocument(
  table: Readonly<Record<string, OperationDefinition>>,
  version: string,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemes = new Set<string>();
  for (const [operationId, definition] of Object.entries(table)) {
    const scheme = SECURITY_SCHEME[definition.authentication.kind];
    if (scheme !== undefined) schemes.add(scheme);
    paths[definition.path] = {
      ...paths[definition.path],
      [definition.method.toLowerCase()]: operation(operationId, definition),
    };
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
      securitySchemes: Object.fromEntries(
        Object.entries(SECURITY_SCHEMES).filter(([name]) => schemes.has(name)),
      ),
    },
  };
}

function operation(operationId: string, definition: OperationDefinition): Record<string, unknown> {
  const { success, authentication } = definition;
  const result: Record<string, unknown> = {
    operationId,
    summary: definition.summary,
    tags: definition.tags,
    parameters: [
      ...parameters(definition.params, "path"),
      ...parameters(definition.query, "query"),
      ...(definition.idempotent ? [IDEMPOTENCY_KEY_PARAMETER] : []),
    ],
    responses: {
      ...(authentication.kind === "bearer" || authentication.kind === "basic" ? AUTH_RESPONSES : {}),
      ...(authentication.kind === "client-certificate" ? CLIENT_CERTIFICATE_RESPONSES : {}),
      [success.status]: {
        description: success.description,
        // A media type without a schema (PEM, DER) is still listed, so clients know what comes back.
        content: {
          [success.mediaType]: success.schema ? { schema: jsonSchema(success.schema, "output") } : {},
        },
      },
      ...Object.fromEntries(
        Object.entries(definition.problems).map(([status, description]) => [status, problem(description)]),
      ),
    },
  };
  const scheme = SECURITY_SCHEME[authentication.kind];
  if (scheme !== undefined) result.security = [{ [scheme]: [] }];
  if ("permissions" in authentication) {
    const { permissions } = authentication;
    result["x-required-permission"] = permissions.length === 1 ? permissions[0] : permissions;
  }
  if (definition.body?.mediaType === "application/json") {
    result.requestBody = {
      required: true,
      content: { "application/json": { schema: jsonSchema(definition.body.schema, "input") } },
    };
  } else if (definition.body?.mediaType === "application/pkcs10") {
    result.requestBody = { required: true, content: { "application/pkcs10": { schema: PKCS10_BODY } } };
  }
  return result;
}

const SECURITY_SCHEME: Record<OperationDefinition["authentication"]["kind"], string | undefined> = {
  none: undefined,
  bearer: "bearer",
  // The proof travels in the body; OpenAPI has no scheme for that, the body's schema describes it.
  "proof-of-possession": undefined,
  "client-certificate": "mutualTLS",
  basic: "estBasic",
};

const SECURITY_SCHEMES: Record<string, Record<string, unknown>> = {
  bearer: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description:
      "A JWT from this service's own issuer (keys at /.well-known/jwks.json) or a configured OpenID Connect issuer",
  },
  estBasic: {
    type: "http",
    scheme: "basic",
    description:
      "An EST credential (POST /v1/est/credentials), sent with every request as IoT Edge does; it may only enroll",
  },
  mutualTLS: {
    type: "mutualTLS",
    description:
      "A TLS client certificate this CA issued, unrevoked and unexpired: presented in the handshake, or forwarded by a trusted TLS-terminating proxy",
  },
};

const PKCS10_BODY = {
  type: "string",
  description:
    "A PKCS#10 request: DER, or base64 of DER (whitespace allowed; Content-Transfer-Encoding ignored)",
};

const componentUri = (id: string) => `#/components/schemas/${id}`;

const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: jsonSchema(Problem, "output") } },
});

/** What the authentication layer may answer on any bearer-protected operation. */
const AUTH_RESPONSES = {
  401: problem("No token, or one that does not verify; see WWW-Authenticate"),
  403: problem("The token lacks the permission this endpoint requires (named in the detail)"),
  429: problem("Rate limited; see Retry-After"),
};

const CLIENT_CERTIFICATE_RESPONSES = {
  403: problem("No TLS client certificate, or one this CA did not issue, or one that is revoked or expired"),
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

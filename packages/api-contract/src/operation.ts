import type { z } from "zod";
import type { Permission } from "./permissions.js";

export type HttpMethod = "GET" | "POST";

/**
 * How a caller proves who it is:
 * - `none`: public; anyone may call;
 * - `bearer`: `Authorization: Bearer <JWT>` holding one of `permissions`;
 * - `proof-of-possession`: a JWS in the body, signed by the key of a certificate this CA issued
 *   (renewal; the body's `proof` member);
 * - `client-certificate`: a TLS client certificate this CA issued, presented in the handshake or
 *   forwarded by a trusted TLS-terminating proxy;
 * - `basic`: `Authorization: Basic` with an EST credential (sent preemptively, as IoT Edge does),
 *   whose principal holds one of `permissions` (EST enrollment only).
 */
export type Authentication =
  | { readonly kind: "none" }
  | { readonly kind: "bearer"; readonly permissions: readonly [Permission, ...Permission[]] }
  | { readonly kind: "proof-of-possession" }
  | { readonly kind: "client-certificate" }
  | { readonly kind: "basic"; readonly permissions: readonly [Permission, ...Permission[]] };

export type AuthenticationKind = Authentication["kind"];

/**
 * What a request body may be: JSON validated by a schema, or a PKCS#10 request (`application/pkcs10`)
 * as DER or as base64 of DER (RFC 8951: whitespace tolerated, Content-Transfer-Encoding ignored).
 */
export type RequestBodySpec =
  | { readonly mediaType: "application/json"; readonly schema: z.ZodType }
  | { readonly mediaType: "application/pkcs10" };

export type ResponseMediaType =
  | "application/json"
  /** The Prometheus text exposition format, version 0.0.4. */
  | "text/plain; version=0.0.4"
  | "application/x-pem-file"
  | "application/pkix-crl"
  /** EST (RFC 7030): base64 of a DER certs-only PKCS#7. */
  | "application/pkcs7-mime; smime-type=certs-only"
  | "application/problem+json";

/** The answer an operation gives when it succeeds. */
export interface SuccessResponse {
  readonly status: 200 | 201;
  readonly description: string;
  readonly mediaType: ResponseMediaType;
  /** For JSON bodies; PEM and DER bodies are bytes or text without a schema. */
  readonly schema?: z.ZodType;
}

/**
 * One operation of the API. The service binds its route and documents it in `/openapi.json` from
 * this, and the SDK calls through it, so the two cannot drift apart.
 */
export interface OperationDefinition {
  readonly method: HttpMethod;
  /** OpenAPI path template: `/v1/certificates/{serialNumber}`. */
  readonly path: string;
  readonly summary: string;
  readonly tags: readonly string[];
  readonly authentication: Authentication;
  /** Accepts an `Idempotency-Key` header: a retry with the same key never repeats the effect. */
  readonly idempotent: boolean;
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  readonly body?: RequestBodySpec;
  readonly success: SuccessResponse;
  /**
   * The problems this operation may answer, by status, each with what it means here. Those of
   * authentication (401, 403, 429) are implied by `authentication` and need not be listed.
   */
  readonly problems: Readonly<Record<number, string>>;
}

/**
 * What a schema describes: its `input`, as a client sends it (before defaults and transforms), or its
 * `output`, as the receiving side has it once parsed.
 */
export type SchemaSide = "input" | "output";

type Described<Schema, Side extends SchemaSide> = Schema extends z.ZodType
  ? Side extends "input"
    ? z.input<Schema>
    : z.output<Schema>
  : undefined;

/** The request body: JSON by its schema, or the DER of a PKCS#10 request. */
export type RequestBodyOf<
  Operation extends OperationDefinition,
  Side extends SchemaSide = "output",
> = Operation["body"] extends { mediaType: "application/json"; schema: infer Schema }
  ? Described<Schema, Side>
  : Operation["body"] extends { mediaType: "application/pkcs10" }
    ? Uint8Array
    : undefined;

export type ParamsOf<Operation extends OperationDefinition, Side extends SchemaSide = "output"> = Described<
  Operation["params"],
  Side
>;

export type QueryOf<Operation extends OperationDefinition, Side extends SchemaSide = "output"> = Described<
  Operation["query"],
  Side
>;

/** The success body: JSON by its schema; PEM as text; DER as bytes. */
export type ResponseBodyOf<
  Operation extends OperationDefinition,
  Side extends SchemaSide = "output",
> = Operation["success"] extends { schema: infer Schema }
  ? Described<Schema, Side>
  : Operation["success"]["mediaType"] extends "application/pkix-crl"
    ? Uint8Array
    : string;

/**
 * The path of an operation with its parameters filled in, each percent-encoded so that no value can
 * add a path segment or a query. `.` and `..` are refused: URL parsers resolve them as segments
 * (`/v1/devices/../certificates`), so no request could carry them as values.
 */
export function expandPath(template: string, params: Readonly<Record<string, string>> = {}): string {
  return template.replace(/\{([A-Za-z0-9_]+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`the path ${template} needs the parameter ${name}`);
    if (value === "." || value === ".." || value === "") {
      throw new TypeError(`the parameter ${name} cannot be '${value}' in a URL path`);
    }
    return encodeURIComponent(value);
  });
}

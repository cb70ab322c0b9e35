import type { Request, Response } from "express";
import type { z } from "zod";
import type { Access } from "../core/permissions.js";
import type { Principal } from "../core/principal.js";

export type HttpMethod = "get" | "post";

export type RateLimitClass = "caller" | "public" | "none";

export interface EndpointResponse {
  description: string;
  schema?: z.ZodType;
  /** Defaults to application/json. */
  contentType?: string;
}

export interface HandlerInput<Body, Params, Query> {
  body: Body;
  params: Params;
  query: Query;
  /** The authenticated caller; an anonymous principal on public endpoints. */
  principal: Principal;
  request: Request;
  response: Response;
}

export interface HandlerResult {
  status: number;
  /** Sent as JSON, unless `contentType` is set and the body is text or bytes. */
  body: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

/**
 * One endpoint: its schemas validate the request and also produce the OpenAPI document, so the two
 * cannot drift.
 */
export interface Endpoint<Body = unknown, Params = unknown, Query = unknown> {
  method: HttpMethod;
  /** Express path syntax: `/v1/certificates/:serialNumber`. */
  path: string;
  operationId: string;
  summary: string;
  /** Enforced by the authentication layer before the handler runs. */
  access: Access;
  /**
   * Which rate limit a request draws on: its caller's budget (the default; per address for an
   * anonymous caller), the larger per-address budget of public CA material, CRL and JWKS, or none
   * (health probes, which must never fail for load).
   */
  rateLimit?: RateLimitClass;
  /** Accepts an `Idempotency-Key` header (documented in OpenAPI). */
  idempotent?: boolean;
  tags: string[];
  body?: z.ZodType<Body>;
  params?: z.ZodType<Params>;
  query?: z.ZodType<Query>;
  responses: Record<number, EndpointResponse>;
  handle(input: HandlerInput<Body, Params, Query>): Promise<HandlerResult>;
}

/** Keeps each endpoint's handler typed by its own schemas. */
export function endpoint<Body = undefined, Params = undefined, Query = undefined>(
  definition: Endpoint<Body, Params, Query>,
): Endpoint {
  return definition as unknown as Endpoint;
}

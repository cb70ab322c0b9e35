import { Problem } from "@edge-pki/api-contract";
import type { EndpointResponse } from "../endpoint.js";

/** A problem+json response, for OpenAPI. */
export function problem(description: string): EndpointResponse {
  return { description, schema: Problem, contentType: "application/problem+json" };
}

export const badRequest = problem("Invalid input");
export const tooLarge = problem("Body over 64 KiB");
export const unavailable = problem("Signing or recording failed; nothing was issued");
export const idempotencyConflict = problem("The Idempotency-Key was used before with a different request");

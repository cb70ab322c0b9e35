import type { Request } from "express";
import type { IdempotencyRequest } from "../app/idempotency.js";
import { parseIdempotencyKey, requestFingerprint } from "../core/idempotency.js";
import { idempotencyNamespaceOf, type Principal } from "../core/principal.js";

/** The request's `Idempotency-Key`, bound to what is asked and by whom. */
export function idempotencyOf(
  request: Request,
  operationId: string,
  principal: Principal,
  body: unknown,
): IdempotencyRequest | undefined {
  const key = parseIdempotencyKey(request.get("Idempotency-Key"));
  if (key === undefined) return undefined;
  return { key, fingerprint: requestFingerprint(operationId, idempotencyNamespaceOf(principal), body) };
}

import type { Request } from "express";
import { CaError } from "../core/errors.js";

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1). */
export function bearerTokenOf(request: Request): string {
  const header = request.headers.authorization;
  if (header === undefined) throw new CaError("unauthorized", "a bearer token is required");
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw new CaError("unauthorized", "the Authorization header is not a bearer token");
  return match[1];
}

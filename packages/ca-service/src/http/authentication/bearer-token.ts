import type { Request } from "express";
import { CaError } from "../../core/errors.js";

/**
 * The token of an `Authorization: Bearer …` header (RFC 6750 §2.1). No header, or another scheme,
 * means no credentials for us: the challenge then names no error (RFC 6750 §3.1).
 */
export function bearerTokenOf(request: Request): string {
  const header = request.headers.authorization;
  const missing = (message: string) => new CaError("unauthorized", message, { credentialsMissing: true });
  if (header === undefined) throw missing("a bearer token is required");
  if (!/^Bearer /i.test(header)) throw missing("the Authorization header is not a bearer token");
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!match?.[1]) throw new CaError("unauthorized", "the bearer token is malformed");
  return match[1];
}

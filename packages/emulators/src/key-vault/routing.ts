/** The small routing layer shared by the key and certificate routes. */
import type { IncomingMessage } from "node:http";
import { badParameter, KeyVaultError } from "./errors.js";

/** What a handler sees: the parsed body and the vault URL the client called (for ids). */
export interface RequestContext {
  /** `scheme://host:port` exactly as the client addressed the vault. */
  vaultUrl: string;
  /** The `api-version` the client sent. */
  apiVersion: string;
  body: Record<string, unknown>;
}

/** A handler's answer; the server serialises it. */
export interface RouteResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Route {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Matched against the raw path; capture groups are URL-decoded and passed as `params`. */
  pattern: RegExp;
  handle(params: string[], context: RequestContext): Promise<RouteResult> | RouteResult;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-zA-Z]{0,64}$/;

/** Validates an object name as Key Vault does (1–127 of letters, digits and dashes). */
export function objectName(raw: string | undefined): string {
  if (raw === undefined || !NAME.test(raw)) {
    throw badParameter(`The name '${raw ?? ""}' is invalid: names are 1-127 letters, digits and dashes.`);
  }
  return raw;
}

/** Validates a version segment; empty means latest. */
export function objectVersion(raw: string | undefined): string {
  const version = raw ?? "";
  if (!VERSION.test(version)) throw badParameter(`The version '${version}' is invalid.`);
  return version;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Reads a JSON object body; an empty body is `{}`. */
export async function readJsonBody(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES)
      throw new KeyVaultError(413, "RequestTooLarge", "The request body is too large.");
    chunks.push(buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8").trim();
  if (text === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badParameter("The request body is not valid JSON.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw badParameter("The request body must be a JSON object.");
  }
  return parsed as Record<string, unknown>;
}

/** Picks the route for a path: the match, or why nothing matched (404 vs 405). */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | KeyVaultError {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) continue;
    pathMatched = true;
    if (route.method !== method) continue;
    return { route, params: match.slice(1).map((p) => decodeURIComponent(p ?? "")) };
  }
  return pathMatched
    ? new KeyVaultError(
        405,
        "MethodNotAllowed",
        `The requested resource does not support http method '${method}'.`,
      )
    : new KeyVaultError(404, "NotFound", `No route for ${method} ${path}.`);
}

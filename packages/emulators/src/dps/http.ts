/** The few HTTP mechanics the DPS emulator's three APIs share: routing and JSON bodies (answers: ../json-response.ts). */
import type { IncomingMessage } from "node:http";
import { badRequest } from "./errors.js";

/** What a route returns. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RouteRequest {
  params: string[];
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  body: unknown;
  /** The underlying request, for the TLS socket of the device API. */
  raw: IncomingMessage;
}

export interface Route {
  method: string;
  /** Matched case-insensitively: DPS's paths are (the Node service SDK sends `/enrollmentgroups/…`). */
  pattern: RegExp;
  handle(request: RouteRequest): RouteResult | Promise<RouteResult>;
}

/** The route for a request, or `undefined` (404) / `"method"` (405). */
export function matchRoute(
  routes: readonly Route[],
  method: string,
  path: string,
): { route: Route; params: string[] } | "method" | undefined {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    pathMatched = true;
    if (route.method === method) return { route, params: match.slice(1).map(decodeURIComponent) };
  }
  return pathMatched ? "method" : undefined;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The JSON body, `undefined` when there is none; 400 for JSON that does not parse. */
export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw badRequest("The request body is too large.");
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

/** A plain JSON object, or a 400 naming what it should have been. */
export function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badRequest(`${what} must be a JSON object.`);
  }
  return value as Record<string, unknown>;
}

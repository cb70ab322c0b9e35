import { createHash } from "node:crypto";
import { CaError } from "./errors.js";

/** How long a key's first response is kept and replayed. */
export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/** Validates an `Idempotency-Key` header: 1 to 255 visible ASCII characters. */
export function parseIdempotencyKey(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) {
    const message = "Idempotency-Key must be 1 to 255 visible ASCII characters";
    throw new CaError("invalid_request", message, { errors: [{ field: "Idempotency-Key", message }] });
  }
  return header;
}

/**
 * What makes two requests "the same" for a key: the operation, the caller and the body, hashed over
 * a canonical JSON form so that key order and whitespace do not matter.
 */
export function requestFingerprint(operation: string, caller: string, body: unknown): string {
  return createHash("sha256").update(canonicalJson({ operation, caller, body })).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

import type { Problem } from "@edge-pki/api-contract";
import type { z } from "zod";
import { CaError, type CaErrorCode, type FieldError } from "../core/errors.js";

/**
 * The one place where failures become HTTP statuses. A renewal proof that does not establish who
 * is asking is 401; a proven holder whose certificate may not renew (revoked, expired, another CN)
 * is 403.
 */
const STATUS: Record<CaErrorCode, number> = {
  invalid_request: 400,
  invalid_csr: 400,
  csr_signature_invalid: 400,
  unsupported_key: 400,
  invalid_device_id: 400,
  device_id_mismatch: 400,
  validity_exceeds_limit: 400,
  proof_invalid: 401,
  renewal_refused: 403,
  not_found: 404,
  already_revoked: 409,
  unauthorized: 401,
  token_used: 401,
  forbidden: 403,
  credentials_already_issued: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  method_not_allowed: 405,
  idempotency_conflict: 422,
  rate_limited: 429,
  ca_not_initialized: 503,
  ca_material_invalid: 503,
  unavailable: 503,
  internal: 500,
};

const TITLE: Record<CaErrorCode, string> = {
  invalid_request: "Invalid request",
  invalid_csr: "Invalid certificate signing request",
  csr_signature_invalid: "CSR signature does not verify",
  unsupported_key: "Unsupported key",
  invalid_device_id: "Invalid device ID",
  device_id_mismatch: "Device ID does not match the CSR",
  validity_exceeds_limit: "Validity exceeds a limit",
  proof_invalid: "Renewal proof invalid",
  renewal_refused: "Renewal refused",
  not_found: "Not found",
  already_revoked: "Already revoked",
  unauthorized: "Authentication required",
  token_used: "Token already used",
  forbidden: "Permission missing",
  credentials_already_issued: "Credentials already issued",
  payload_too_large: "Request body too large",
  unsupported_media_type: "Unsupported media type",
  method_not_allowed: "Method not allowed",
  idempotency_conflict: "Idempotency key reused with another request",
  rate_limited: "Too many requests",
  ca_not_initialized: "CA not initialised",
  ca_material_invalid: "CA material invalid",
  unavailable: "Service unavailable",
  internal: "Internal error",
};

export interface RenderedProblem {
  status: number;
  body: Problem;
  /** `Retry-After` for 429s and 503s, and `WWW-Authenticate` for 401s. */
  headers: Record<string, string>;
}

const UNAVAILABLE_RETRY_SECONDS = 5;

export function renderProblem(error: CaError): RenderedProblem {
  const status = STATUS[error.code];
  const body: Problem = {
    type: `urn:edge-pki:problem:${error.code}`,
    title: TITLE[error.code],
    status,
    detail: error.message,
    code: error.code,
  };
  if (error.errors?.length) body.errors = error.errors;
  Object.assign(body, error.extensions);
  const headers: Record<string, string> = {};
  const retryAfter = error.retryAfterSeconds ?? (status === 503 ? UNAVAILABLE_RETRY_SECONDS : undefined);
  if (retryAfter !== undefined) headers["Retry-After"] = String(retryAfter);
  if (status === 401) {
    // Renewal authenticates with a proof-of-possession JWT in the body, not a bearer token.
    headers["WWW-Authenticate"] =
      error.code === "proof_invalid"
        ? 'PoP realm="edge-pki"'
        : error.credentialsMissing
          ? 'Bearer realm="edge-pki"'
          : bearerChallenge(error.message);
  }
  return { status, body, headers };
}

/**
 * RFC 6750 §3. The description is one of our own fixed messages; quotes and backslashes are dropped
 * anyway so that it can never break out of the quoted string.
 */
function bearerChallenge(description: string): string {
  const safe = description.replace(/[^\x20-\x7e]|["\\]/g, "");
  return `Bearer realm="edge-pki", error="invalid_token", error_description="${safe}"`;
}

/** Turns a schema failure into one field error per problem, with the field's path. */
export function validationError(error: z.ZodError, location: "body" | "params" | "query"): CaError {
  const errors: FieldError[] = error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    if (issue.code === "unrecognized_keys") {
      return { field: issue.keys.join(", "), message: `unknown field(s): ${issue.keys.join(", ")}` };
    }
    return { field: path || location, message: issue.message };
  });
  const detail = errors
    .map((e) => (e.message.includes(e.field) ? e.message : `${e.field}: ${e.message}`))
    .join("; ");
  return new CaError("invalid_request", detail, { errors });
}

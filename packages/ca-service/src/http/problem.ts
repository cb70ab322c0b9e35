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
  payload_too_large: 413,
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
  payload_too_large: "Request body too large",
  ca_not_initialized: "CA not initialised",
  ca_material_invalid: "CA material invalid",
  unavailable: "Service unavailable",
  internal: "Internal error",
};

export interface RenderedProblem {
  status: number;
  body: Problem;
  /** Seconds, for 503s the caller should retry. */
  retryAfter?: number;
  /** The challenge a 401 must carry (RFC 9110 §11.6.1). */
  wwwAuthenticate?: string;
}

/** Renewal authenticates with a proof-of-possession JWT in the body, named after its scheme. */
const CHALLENGE: Partial<Record<CaErrorCode, string>> = { proof_invalid: 'PoP realm="edge-pki"' };

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
  const rendered: RenderedProblem = { status, body };
  if (status === 503) rendered.retryAfter = 5;
  const challenge = CHALLENGE[error.code];
  if (challenge !== undefined) rendered.wwwAuthenticate = challenge;
  return rendered;
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

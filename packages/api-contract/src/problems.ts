/**
 * Every problem the API can answer, with its HTTP status and title: the `code` member of each RFC 9457
 * problem+json body. A literal union (as jose's `JOSEErrorCode`), so that `switch (problem.code)`
 * narrows, in the service and in the SDK alike.
 *
 * A renewal proof that does not establish who is asking is 401; a proven holder whose certificate
 * may not renew (revoked, expired, another CN) is 403.
 */
export const PROBLEMS = {
  invalid_request: { status: 400, title: "Invalid request" },
  invalid_csr: { status: 400, title: "Invalid certificate signing request" },
  csr_signature_invalid: { status: 400, title: "CSR signature does not verify" },
  unsupported_key: { status: 400, title: "Unsupported key" },
  invalid_device_id: { status: 400, title: "Invalid device ID" },
  device_id_mismatch: { status: 400, title: "Device ID does not match the CSR" },
  validity_exceeds_limit: { status: 400, title: "Validity exceeds a limit" },
  unauthorized: { status: 401, title: "Authentication required" },
  token_used: { status: 401, title: "Token already used" },
  proof_invalid: { status: 401, title: "Renewal proof invalid" },
  forbidden: { status: 403, title: "Permission missing" },
  renewal_refused: { status: 403, title: "Renewal refused" },
  reenrolment_required: { status: 403, title: "Issued by a retired CA: enrol again" },
  not_found: { status: 404, title: "Not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  already_revoked: { status: 409, title: "Already revoked" },
  not_revocable: { status: 409, title: "Not revocable here" },
  credentials_already_issued: { status: 409, title: "Credentials already issued" },
  token_subject_in_use: { status: 409, title: "Token subject in use" },
  est_username_taken: { status: 409, title: "EST username taken" },
  payload_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  idempotency_conflict: { status: 422, title: "Idempotency key reused with another request" },
  rate_limited: { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  ca_not_initialized: { status: 503, title: "CA not initialised" },
  ca_material_invalid: { status: 503, title: "CA material invalid" },
  issuing_ca_retired: { status: 503, title: "Issuing CA retired, its successor not in place yet" },
  unavailable: { status: 503, title: "Service unavailable" },
} as const satisfies Record<string, { status: number; title: string }>;

/** The stable code of a problem; see {@link PROBLEMS} for its status and title. */
export type ProblemCode = keyof typeof PROBLEMS;

/** The HTTP status that goes with a problem code. */
export type ProblemStatus<Code extends ProblemCode = ProblemCode> = (typeof PROBLEMS)[Code]["status"];

export const PROBLEM_CODES = Object.keys(PROBLEMS) as [ProblemCode, ...ProblemCode[]];

/** The `type` URI of a problem code. */
export function problemType(code: ProblemCode): string {
  return `urn:edge-pki:problem:${code}`;
}

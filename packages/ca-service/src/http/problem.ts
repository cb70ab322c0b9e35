import { PROBLEMS, type Problem, problemType } from "@edge-pki/api-contract";
import type { z } from "zod";
import { CaError, type FieldError } from "../core/errors.js";

export interface RenderedProblem {
  status: number;
  body: Problem;
  /** `Retry-After` for 429s and 503s, and `WWW-Authenticate` for 401s. */
  headers: Record<string, string>;
}

const UNAVAILABLE_RETRY_SECONDS = 5;

/** What an EST client is asked for (RFC 7617); aziot sends Basic unasked and never reads this. */
export const BASIC_CHALLENGE = 'Basic realm="edge-pki EST", charset="UTF-8"';

/**
 * The one place where failures become HTTP answers: the status and title of each code come from the
 * contract's problem table, which the SDK shares.
 */
export function renderProblem(error: CaError): RenderedProblem {
  const { status, title } = PROBLEMS[error.code];
  const body: Problem = {
    type: problemType(error.code),
    title,
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
        : error.challenge === "basic"
          ? BASIC_CHALLENGE
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

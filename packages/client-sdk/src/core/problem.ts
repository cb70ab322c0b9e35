import { Problem } from "@edge-pki/api-contract";
import type { ProblemDetails } from "../errors.js";

/** Enough of a body that is not problem+json (a proxy's HTML page) to say what happened. */
const DETAIL_CHARACTERS = 200;

/**
 * The problem+json of a failed answer, checked against the contract's schema (so that `code` is a
 * known `ProblemCode`); for any other body, a problem made from the status and the body's start.
 */
export async function readProblem(response: Response): Promise<ProblemDetails> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = Problem.loose().safeParse(json);
  if (parsed.success && parsed.data.status === response.status) return parsed.data as ProblemDetails;
  return {
    type: "about:blank",
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.replace(/\s+/g, " ").trim().slice(0, DETAIL_CHARACTERS),
  };
}

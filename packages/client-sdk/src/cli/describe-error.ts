import { ApiError, EdgePkiError } from "../errors.js";

/**
 * One line for an operator: the service's detail with its status and code, and each field it named;
 * a connection failure's reason. Never a stack trace.
 */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const code = error.problem.code ?? error.title;
    const fields = error.errors
      .filter((field) => !error.detail.includes(field.message))
      .map((field) => `${field.field}: ${field.message}`);
    return [`${error.detail || error.title} (${error.status} ${code})`, ...fields].join("; ");
  }
  if (error instanceof EdgePkiError) return error.message;
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return `${error.message}${cause}`.replace(/\s*\n\s*/g, " ");
  }
  return String(error);
}

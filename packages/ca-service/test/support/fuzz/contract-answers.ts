import {
  type OperationDefinition,
  PROBLEMS,
  Problem,
  type Problem as ProblemBody,
} from "@edge-pki/api-contract";
import type { Answer } from "../service.js";

/** A success, or the code of the problem the service answered with. */
export type Verdict = "success" | ProblemBody["code"];

/**
 * What every answer to a fuzzed request must be: never a 5xx; a refusal is problem+json whose code
 * is one of the contract's, with that code's status; a success has the operation's own status and,
 * for JSON, a body its success schema accepts.
 */
export function expectContractAnswer(answer: Answer<unknown>, operation: OperationDefinition): Verdict {
  const context = () => `${answer.status} ${answer.text.slice(0, 500)}`;
  if (answer.status >= 500) throw new Error(`a ${answer.status} answer: ${context()}`);
  if (answer.status < 200 || answer.status >= 300) {
    if (!/^application\/problem\+json/.test(answer.headers.get("content-type") ?? "")) {
      throw new Error(
        `a refusal that is not problem+json: ${answer.headers.get("content-type")} ${context()}`,
      );
    }
    const problem = Problem.safeParse(answer.body);
    if (!problem.success) throw new Error(`a refusal the Problem schema refuses: ${context()}`);
    const { code, status } = problem.data;
    if (PROBLEMS[code].status !== answer.status || status !== answer.status) {
      throw new Error(
        `problem ${code} (status ${PROBLEMS[code].status}) came with ${answer.status}: ${context()}`,
      );
    }
    return code;
  }
  if (answer.status !== operation.success.status) {
    throw new Error(`success ${answer.status} instead of ${operation.success.status}: ${context()}`);
  }
  const schema = operation.success.schema;
  if (schema !== undefined && !schema.safeParse(answer.body).success) {
    throw new Error(`a success body its schema refuses: ${context()}`);
  }
  return "success";
}

/** The operations whose success is a new certificate. */
export const ISSUING_OPERATIONS = new Set(["issueCertificate", "issueCredentials", "renewCertificate"]);

import { PROBLEMS, type ProblemCode } from "@edge-pki/api-contract";
import { CaError } from "../../../src/core/errors.js";

/** How a parser ended: its result, or the CaError it refused with. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: CaError };

/**
 * Runs a parser on fuzzed input. A CaError is a refusal the HTTP layer turns into a problem; any
 * other exception would become a 500, so it fails the property, with its stack for the report.
 */
export async function parseOrRefuse<T>(parse: () => T | Promise<T>): Promise<Parsed<T>> {
  try {
    return { ok: true, value: await parse() };
  } catch (error) {
    if (error instanceof CaError) return { ok: false, error };
    const described = error instanceof Error ? (error.stack ?? error.message) : String(error);
    throw new Error(`threw something other than a CaError (a 500 over HTTP): ${described}`);
  }
}

/** Fails unless the refusal's code is one of `codes`. */
export function expectRefusedWith(error: CaError, codes: readonly ProblemCode[]): void {
  if (!codes.includes(error.code)) {
    throw new Error(`refused with ${error.code} (${error.message}); expected one of ${codes.join(", ")}`);
  }
}

/** Fails unless the refusal is a problem of this status class (400: the client's request is bad). */
export function expectRefusedWithStatus(error: CaError, status: number): void {
  if (PROBLEMS[error.code].status !== status) {
    throw new Error(
      `refused with ${error.code} (status ${PROBLEMS[error.code].status}: ${error.message}); expected a ${status}`,
    );
  }
}

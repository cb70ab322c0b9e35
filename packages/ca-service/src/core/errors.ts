import type { ProblemCode } from "@edge-pki/api-contract";

/**
 * Every way a CA operation can fail: the API's problem codes, each of which the HTTP layer answers
 * with its own status (see `PROBLEMS` in the contract).
 */
export type CaErrorCode = ProblemCode;

export interface FieldError {
  field: string;
  message: string;
}

export interface CaErrorOptions {
  errors?: FieldError[];
  cause?: unknown;
  /** For failures the caller may retry later: seconds to wait (rate limits). */
  retryAfterSeconds?: number;
  /** For `unauthorized`: no credentials were presented at all (RFC 6750 §3.1: no error code then). */
  credentialsMissing?: boolean;
  /** For `unauthorized`: the scheme the caller must answer with, when not a bearer token. */
  challenge?: "basic";
  /** RFC 9457 extension members the caller can act on, such as the serial number already issued. */
  extensions?: Record<string, string>;
}

/**
 * A failure whose `message` is safe to show to the caller. Internal causes ride along in `cause`
 * for logs and never reach the wire.
 */
export class CaError extends Error {
  override readonly name = "CaError";
  readonly code: CaErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly credentialsMissing: boolean;
  readonly challenge: "basic" | undefined;
  readonly extensions: Record<string, string> | undefined;

  constructor(code: CaErrorCode, message: string, options: CaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.credentialsMissing = options.credentialsMissing ?? false;
    this.challenge = options.challenge;
    this.extensions = options.extensions;
  }
}

/** Every way a CA operation can fail, as a stable string the HTTP layer maps to a status. */
export type CaErrorCode =
  | "invalid_request"
  | "invalid_csr"
  | "csr_signature_invalid"
  | "unsupported_key"
  | "invalid_device_id"
  | "device_id_mismatch"
  | "validity_exceeds_limit"
  | "unauthorized"
  | "token_used"
  | "forbidden"
  | "not_found"
  | "already_revoked"
  | "proof_invalid"
  | "renewal_refused"
  | "credentials_already_issued"
  | "idempotency_conflict"
  | "payload_too_large"
  | "unsupported_media_type"
  | "method_not_allowed"
  | "rate_limited"
  | "ca_not_initialized"
  | "ca_material_invalid"
  | "unavailable"
  | "internal";

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
  readonly extensions: Record<string, string> | undefined;

  constructor(code: CaErrorCode, message: string, options: CaErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options.errors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.credentialsMissing = options.credentialsMissing ?? false;
    this.extensions = options.extensions;
  }
}

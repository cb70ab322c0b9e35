import type { OperationId, ProblemCode, ProblemStatus } from "@edge-pki/api-contract";

/**
 * The stable code of every error the SDK throws: a literal union, so that `switch (error.code)`
 * narrows.
 */
export type EdgePkiErrorCode =
  | "ERR_BAD_REQUEST"
  | "ERR_UNAUTHENTICATED"
  | "ERR_FORBIDDEN"
  | "ERR_NOT_FOUND"
  | "ERR_CONFLICT"
  | "ERR_CREDENTIALS_ALREADY_ISSUED"
  | "ERR_RATE_LIMITED"
  | "ERR_INTERNAL"
  | "ERR_UNAVAILABLE"
  | "ERR_API"
  | "ERR_NETWORK"
  | "ERR_TIMEOUT"
  | "ERR_ABORTED"
  | "ERR_INVALID_RESPONSE"
  | "ERR_CREDENTIAL"
  | "ERR_FILE_EXISTS";

/** A field the service named as wrong, from the problem's `errors[]`. */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * The RFC 9457 problem+json body the service answers with. `code` is the contract's
 * {@link ProblemCode}; a body that is not our problem+json (a proxy's HTML page) leaves it undefined.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code?: ProblemCode;
  errors?: FieldError[];
  /** `credentials_already_issued`: the serial number the first request issued. */
  serialNumber?: string;
  [member: string]: unknown;
}

/** What every error of a call knows about the call. */
export interface RequestContext {
  operationId: OperationId;
  /** The `Idempotency-Key` sent with every attempt of this logical call, if the operation takes one. */
  idempotencyKey?: string;
}

/**
 * The base of every error the SDK throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.getCertificate(serial);
 * } catch (error) {
 *   if (error instanceof EdgePkiError && error.code === "ERR_NOT_FOUND") console.log("no such certificate");
 *   else throw error;
 * }
 * ```
 */
export abstract class EdgePkiError extends Error {
  abstract readonly code: EdgePkiErrorCode;
  readonly operationId: OperationId | undefined;
  readonly idempotencyKey: string | undefined;

  constructor(message: string, context: Partial<RequestContext> = {}, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.operationId = context.operationId;
    this.idempotencyKey = context.idempotencyKey;
  }
}

/**
 * The service answered with an error status. Carries the problem+json fields.
 *
 * @example
 * ```ts
 * if (error instanceof ApiError && error.problem.code === "device_id_mismatch") …
 * ```
 */
export class ApiError extends EdgePkiError {
  readonly code: EdgePkiErrorCode = "ERR_API";
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly errors: readonly FieldError[];
  readonly problem: ProblemDetails;
  readonly headers: Headers;

  constructor(problem: ProblemDetails, headers: Headers, context: RequestContext) {
    super(`${problem.status} ${problem.title}: ${problem.detail}`, context);
    this.problem = problem;
    this.status = problem.status;
    this.type = problem.type;
    this.title = problem.title;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
    this.headers = headers;
  }
}

/** 400 (and 405, 413, 415): the request is wrong; `errors` names each bad field. */
export class BadRequestError extends ApiError {
  override readonly code = "ERR_BAD_REQUEST";
}

/** 401: no token, a bad, expired or used one, or a renewal proof that does not verify. */
export class AuthenticationError extends ApiError {
  override readonly code = "ERR_UNAUTHENTICATED";
}

/** 403: the caller may not do this (a missing permission, a device prefix, a refused renewal). */
export class PermissionDeniedError extends ApiError {
  override readonly code = "ERR_FORBIDDEN";
}

/** 404: no such certificate (or path). */
export class NotFoundError extends ApiError {
  override readonly code = "ERR_NOT_FOUND";
}

/**
 * 409 and 422: the request conflicts with an earlier one (already revoked with another reason; an
 * `Idempotency-Key` used before with another request).
 */
export class ConflictError extends ApiError {
  override readonly code: EdgePkiErrorCode = "ERR_CONFLICT";
}

/**
 * Server-side key generation was retried after the service had already issued: the key was never
 * stored, so it cannot be returned again. Revoke `serialNumber` (or discard it) and ask again.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof CredentialsAlreadyIssuedError) await client.revoke(error.serialNumber, "superseded");
 * }
 * ```
 */
export class CredentialsAlreadyIssuedError extends ConflictError {
  override readonly code = "ERR_CREDENTIALS_ALREADY_ISSUED";
  readonly serialNumber: string;

  constructor(problem: ProblemDetails, headers: Headers, context: RequestContext) {
    super(problem, headers, context);
    this.serialNumber = problem.serialNumber ?? "";
  }
}

/** 429: over a rate limit, after the retries the client was allowed; `headers` has `Retry-After`. */
export class RateLimitError extends ApiError {
  override readonly code = "ERR_RATE_LIMITED";
}

/** 500: a fault in the service; retrying will not help. */
export class InternalServerError extends ApiError {
  override readonly code = "ERR_INTERNAL";
}

/** 503 (and 502, 504): the service or its store is unavailable for now; nothing was issued. */
export class UnavailableError extends ApiError {
  override readonly code = "ERR_UNAVAILABLE";
}

/** No answer: the connection failed or broke. The cause is the underlying error. */
export class ConnectionError extends EdgePkiError {
  readonly code: EdgePkiErrorCode = "ERR_NETWORK";
}

/** No answer within `timeoutMs`. */
export class TimeoutError extends ConnectionError {
  override readonly code = "ERR_TIMEOUT";
}

/** The caller's `signal` aborted the call. */
export class AbortError extends EdgePkiError {
  readonly code = "ERR_ABORTED";
}

/**
 * No request was sent: the call needs a credential and the client has none, or the credential
 * could not give a token (a `TokenCredential` whose `getToken` failed; its error is the `cause`).
 * Never retried: the same credential would fail the same way. Not an `AuthenticationError`, which
 * is the service's 401.
 *
 * @example
 * ```ts
 * if (error instanceof CredentialError) console.error("sign in again:", error.cause);
 * ```
 */
export class CredentialError extends EdgePkiError {
  readonly code = "ERR_CREDENTIAL";
}

/** The service answered with a success status but a body the contract does not describe. */
export class InvalidResponseError extends EdgePkiError {
  readonly code = "ERR_INVALID_RESPONSE";
}

type ApiErrorClass = new (problem: ProblemDetails, headers: Headers, context: RequestContext) => ApiError;

/**
 * The class for each status the contract's problem table uses. Typed against `ProblemStatus`, so a
 * status added to the contract without a class here fails to compile.
 */
const CLASS_BY_STATUS = {
  400: BadRequestError,
  401: AuthenticationError,
  403: PermissionDeniedError,
  404: NotFoundError,
  405: BadRequestError,
  409: ConflictError,
  413: BadRequestError,
  415: BadRequestError,
  422: ConflictError,
  429: RateLimitError,
  500: InternalServerError,
  503: UnavailableError,
} as const satisfies Record<ProblemStatus, ApiErrorClass>;

/** Statuses outside the contract's table that gateways and proxies answer with. */
const GATEWAY_STATUSES = new Set([502, 504]);

/** The typed error for a failed answer. */
export function apiErrorOf(problem: ProblemDetails, headers: Headers, context: RequestContext): ApiError {
  if (problem.code === "credentials_already_issued") {
    return new CredentialsAlreadyIssuedError(problem, headers, context);
  }
  const known = (CLASS_BY_STATUS as Record<number, ApiErrorClass>)[problem.status];
  if (known) return new known(problem, headers, context);
  if (GATEWAY_STATUSES.has(problem.status)) return new UnavailableError(problem, headers, context);
  if (problem.status >= 500) return new InternalServerError(problem, headers, context);
  return new ApiError(problem, headers, context);
}

/** A device file already exists with other content: files are never overwritten. */
export class FileExistsError extends EdgePkiError {
  readonly code = "ERR_FILE_EXISTS";

  constructor(readonly path: string) {
    super(`${path} already exists with other content; it is never overwritten`);
  }
}

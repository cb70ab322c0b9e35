/**
 * Errors as Key Vault puts them on the wire: an HTTP status plus `{ error: { code, message,
 * innererror? } }` (`Error` in the data-plane spec's common.json). Route handlers throw
 * {@link KeyVaultError}; the server is the one place that renders it.
 */

/** Error codes this emulator emits; the same strings Azure Key Vault uses. */
export type KeyVaultErrorCode =
  | "BadParameter"
  | "Unauthorized"
  | "Forbidden"
  | "KeyNotFound"
  | "CertificateNotFound"
  | "PendingCertificateNotFound"
  | "Conflict"
  | "NotFound"
  | "MethodNotAllowed"
  | "RequestTooLarge"
  | "Throttled"
  | "InternalServerError"
  | "ServiceUnavailable";

/** Inner codes that refine a 403, as real vaults send them. */
export type KeyVaultInnerErrorCode =
  /** A data-plane call the caller's role assignments do not allow. */
  | "ForbiddenByRbac"
  /** An operation on a disabled key version (a pending certificate's key is one). */
  | "KeyDisabled";

/** The error body: `innererror` only where a real vault sends one. */
export interface KeyVaultErrorBody {
  error: { code: KeyVaultErrorCode; message: string; innererror?: { code: KeyVaultInnerErrorCode } };
}

/** A failure that maps to one Key Vault error response. */
export class KeyVaultError extends Error {
  readonly status: number;
  readonly code: KeyVaultErrorCode;
  readonly innerCode: KeyVaultInnerErrorCode | undefined;

  constructor(status: number, code: KeyVaultErrorCode, message: string, innerCode?: KeyVaultInnerErrorCode) {
    super(message);
    this.name = "KeyVaultError";
    this.status = status;
    this.code = code;
    this.innerCode = innerCode;
  }

  /** The JSON body Key Vault returns for this error. */
  toBody(): KeyVaultErrorBody {
    const error: KeyVaultErrorBody["error"] = { code: this.code, message: this.message };
    if (this.innerCode) error.innererror = { code: this.innerCode };
    return { error };
  }
}

export const badParameter = (message: string): KeyVaultError =>
  new KeyVaultError(400, "BadParameter", message);

export const keyNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command.`,
  );

export const certificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(
    404,
    "CertificateNotFound",
    `A certificate with (name/id) ${name} was not found in this key vault. If you recently deleted this certificate you may be able to recover it using the correct recovery command.`,
  );

export const pendingCertificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "PendingCertificateNotFound", `Pending certificate not found: ${name}`);

export const deletedCertificateNotFound = (name: string): KeyVaultError =>
  new KeyVaultError(404, "CertificateNotFound", `Deleted Certificate not found: ${name}`);

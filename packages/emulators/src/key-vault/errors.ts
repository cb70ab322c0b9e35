/**
 * Errors as Key Vault puts them on the wire: an HTTP status plus `{ error: { code, message } }`.
 * Route handlers throw {@link KeyVaultError}; the server is the one place that renders it.
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

/** A failure that maps to one Key Vault error response. */
export class KeyVaultError extends Error {
  readonly status: number;
  readonly code: KeyVaultErrorCode;

  constructor(status: number, code: KeyVaultErrorCode, message: string) {
    super(message);
    this.name = "KeyVaultError";
    this.status = status;
    this.code = code;
  }

  /** The JSON body Key Vault returns for this error. */
  toBody(): { error: { code: KeyVaultErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
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

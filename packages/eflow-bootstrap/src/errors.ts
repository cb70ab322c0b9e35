/**
 * Every failure `eflow-bootstrap` explains to an operator, by a stable code: a literal union, so that
 * `switch (error.code)` narrows. Each precondition has its own.
 */
export type BootstrapErrorCode =
  | "not_elevated"
  | "module_missing"
  | "vm_not_deployed"
  | "execution_policy"
  | "powershell_missing"
  | "provision_failed"
  | "verification_failed"
  | "token_missing"
  | "token_expired"
  | "token_used"
  | "token_refused"
  | "ca_unreachable"
  | "ca_refused"
  | "device_files_invalid"
  | "untrusted_root"
  | "credentials_conflict"
  | "certificate_invalid"
  | "certificate_revoked"
  | "config_invalid"
  | "config_toml_invalid"
  | "command_failed"
  | "file_access"
  | "dps_refused"
  | "dps_unreachable";

/**
 * A failure with its code, a message for the operator (which may hold several lines, such as the
 * module's own error lines), and the underlying cause for debugging.
 *
 * @example
 * ```ts
 * try { await runBootstrap(config); } catch (error) {
 *   if (error instanceof BootstrapError && error.code === "token_used") mintANewToken();
 * }
 * ```
 */
export class BootstrapError extends Error {
  override readonly name = "BootstrapError";

  constructor(
    readonly code: BootstrapErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

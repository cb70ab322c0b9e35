import { ApiError, AuthenticationError, ConnectionError, PermissionDeniedError } from "@edge-pki/client-sdk";
import { BootstrapError } from "../errors.js";

/** A CA failure as the precondition it is: token expired or used, CA unreachable, or refused. */
export function explainCaError(error: unknown, caUrl: string): BootstrapError {
  if (error instanceof ConnectionError) {
    return new BootstrapError("ca_unreachable", `the CA at ${caUrl} cannot be reached: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof AuthenticationError) {
    if (error.problem.code === "token_used") {
      return new BootstrapError(
        "token_used",
        "the bootstrap token was already used for another request: mint a new one (edge-pki bootstrap-token <deviceId>)",
        { cause: error },
      );
    }
    if (/expired/i.test(error.detail)) {
      return new BootstrapError(
        "token_expired",
        "the bootstrap token has expired: mint a new one (edge-pki bootstrap-token <deviceId> --ttl 1h)",
        { cause: error },
      );
    }
    return new BootstrapError("token_refused", `the CA refused the token: ${error.detail}`, { cause: error });
  }
  if (error instanceof PermissionDeniedError || error instanceof ApiError) {
    const code = error.problem.code ?? "";
    return new BootstrapError("ca_refused", `the CA refused: ${error.detail} (${error.status} ${code})`, {
      cause: error,
    });
  }
  return error instanceof BootstrapError
    ? error
    : new BootstrapError("ca_refused", `the CA request failed: ${(error as Error).message}`, {
        cause: error,
      });
}

import { CaError } from "../../core/errors.js";
import type { Authenticator } from "../authentication/authenticator.js";

/**
 * One authenticator out of several a route accepts: the first whose credentials the request
 * carries decides (an authenticator that finds none of its own throws a CaError with
 * `credentialsMissing`). None at all: 401, which EST answers with a Basic challenge.
 */
export function firstPresentedCredential(accepted: readonly Authenticator[]): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request, body) => {
      for (const authenticator of accepted) {
        try {
          return await authenticator.authenticate(request, body);
        } catch (error) {
          if (!(error instanceof CaError && error.credentialsMissing)) throw error;
        }
      }
      throw new CaError("unauthorized", "authenticate with a TLS client certificate or HTTP Basic", {
        credentialsMissing: true,
      });
    },
  };
}

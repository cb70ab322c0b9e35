import { CaError } from "../../core/errors.js";
import type { Authenticator } from "../authentication/authenticator.js";

/**
 * One authenticator out of several a route accepts, tried in order. An authenticator that finds
 * none of its own credentials throws a CaError with `credentialsMissing` and the next is tried; one
 * whose credentials do not hold does not end the search either (aziot may send its bootstrap
 * certificate and a Basic password together), but its refusal is what the caller gets when no
 * later one succeeds. No credentials at all: 401, which EST answers with a Basic challenge.
 */
export function firstPresentedCredential(accepted: readonly Authenticator[]): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    // What each accepted authenticator records of the credentials it looked at.
    failureDetails: (error, request) => {
      const details = Object.assign({}, ...accepted.map((each) => each.failureDetails(error, request)));
      return Object.keys(details).length === 0 ? undefined : details;
    },
    authenticate: async (request, body) => {
      let refusal: unknown;
      for (const authenticator of accepted) {
        try {
          return await authenticator.authenticate(request, body);
        } catch (error) {
          if (!(error instanceof CaError && error.credentialsMissing)) refusal ??= error;
        }
      }
      if (refusal !== undefined) throw refusal;
      throw new CaError("unauthorized", "authenticate with a TLS client certificate or HTTP Basic", {
        credentialsMissing: true,
      });
    },
  };
}

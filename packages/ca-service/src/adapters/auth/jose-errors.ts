import { errors } from "jose";
import { CaError } from "../../core/errors.js";

/**
 * Turns jose's failures into what the caller may see. Messages are fixed strings (they travel in
 * the `WWW-Authenticate` header); failing to fetch an issuer's keys is our outage, not a bad token.
 */
export function fromJoseError(error: unknown): CaError {
  if (error instanceof CaError) return error;
  if (!(error instanceof errors.JOSEError)) {
    return new CaError("unavailable", "the token issuer's keys could not be fetched", { cause: error });
  }
  const refuse = (message: string) => new CaError("unauthorized", message, { cause: error });
  switch (error.code) {
    case "ERR_JWT_EXPIRED":
      return refuse("the token has expired");
    case "ERR_JWT_CLAIM_VALIDATION_FAILED": {
      const { claim } = error as errors.JWTClaimValidationFailed;
      if (claim === "nbf") return refuse("the token is not yet valid");
      if (claim === "aud") return refuse("the token is meant for another audience");
      if (claim === "iss") return refuse("the token's issuer is not trusted");
      return refuse(`the token's ${claim} claim is missing or invalid`);
    }
    case "ERR_JOSE_ALG_NOT_ALLOWED":
      return refuse("the token's signing algorithm is not allowed");
    case "ERR_JWS_SIGNATURE_VERIFICATION_FAILED":
      return refuse("the token's signature does not verify");
    case "ERR_JWKS_NO_MATCHING_KEY":
    case "ERR_JWKS_MULTIPLE_MATCHING_KEYS":
      return refuse("the token is signed by an unknown key");
    case "ERR_JWKS_TIMEOUT":
    case "ERR_JWKS_INVALID":
      return new CaError("unavailable", "the token issuer's keys could not be fetched", { cause: error });
    default:
      return refuse("the token is malformed or unsupported");
  }
}

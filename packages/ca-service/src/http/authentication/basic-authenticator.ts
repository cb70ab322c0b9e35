import type { Request } from "express";
import type { EstCredentialVerifier } from "../../app/est-credential-verifier.js";
import { CaError } from "../../core/errors.js";
import { estCredentialPrincipal } from "../../core/principal.js";
import type { Authenticator } from "./authenticator.js";

/** Longer than any username and password we accept, with room: anything longer is not ours. */
const MAX_CREDENTIALS_LENGTH = 1024;

/**
 * `Authorization: Basic base64(username:password)` with an EST credential (RFC 7617), as IoT Edge
 * sends it on every EST request. The caller may enroll over EST, for the devices of its credential,
 * and nothing else: its only role is `est-enroll`.
 */
export function basicAuthenticator(credentials: Pick<EstCredentialVerifier, "verify">): Authenticator {
  return {
    readsBody: false,
    failureAction: "auth.failure",
    failureDetails: () => undefined,
    authenticate: async (request) => {
      const { username, password } = basicCredentialsOf(request);
      return estCredentialPrincipal(await credentials.verify(username, password));
    },
  };
}

/** The username and password of an `Authorization: Basic` header; the password may hold colons. */
export function basicCredentialsOf(request: Request): { username: string; password: string } {
  const header = request.headers.authorization;
  if (header === undefined || !/^Basic /i.test(header)) {
    throw refused("EST needs HTTP Basic credentials", true);
  }
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(header);
  const encoded = match?.[1];
  if (encoded === undefined || encoded.length > MAX_CREDENTIALS_LENGTH) {
    throw refused("the Basic credentials are malformed");
  }
  const decoded = Buffer.from(encoded, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon <= 0) throw refused("the Basic credentials are malformed");
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function refused(message: string, credentialsMissing = false): CaError {
  return new CaError("unauthorized", message, { challenge: "basic", credentialsMissing });
}

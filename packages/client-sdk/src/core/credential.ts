import { type AccessToken, isTokenCredential, type TokenCredential } from "@azure/core-auth";
import type { OperationId } from "@edge-pki/api-contract";

/**
 * A one-time bootstrap token (from `createBootstrapToken`): one device redeems it for one
 * certificate. The client sends it to `POST /v1/certificates` only, never elsewhere.
 */
export interface BootstrapTokenCredential {
  readonly kind: "bootstrap-token";
  readonly token: string;
}

/**
 * How the client authenticates: an API token string (from `edge-pki-ca token create`), a
 * one-time bootstrap token, or any `@azure/core-auth` `TokenCredential` (every `@azure/identity`
 * credential, for Microsoft Entra ID) used with the client's `scopes`.
 */
export type Credential = string | BootstrapTokenCredential | TokenCredential;

/**
 * Marks a token as a one-time bootstrap token.
 *
 * @example
 * ```ts
 * const device = new EdgePkiClient({ baseUrl, credential: bootstrapToken(process.env.BOOTSTRAP_TOKEN!) });
 * const identity = await device.createDeviceIdentity("line7-0001");
 * ```
 */
export function bootstrapToken(token: string): BootstrapTokenCredential {
  return { kind: "bootstrap-token", token };
}

/** Gives the `Authorization` header value for a call, fetching or refreshing a token when needed. */
export type AuthorizationProvider = (operationId: OperationId, signal: AbortSignal) => Promise<string>;

/** Refresh an Entra ID token this long before it expires, so that no request carries a stale one. */
const REFRESH_MARGIN_MS = 2 * 60_000;

/**
 * The provider for a credential. `now` is injected for tests.
 *
 * @throws TypeError for a TokenCredential without scopes.
 */
export function authorizationFor(
  credential: Credential,
  scopes: string | string[] | undefined,
  now: () => number = Date.now,
): AuthorizationProvider {
  if (typeof credential === "string") {
    const header = bearer(credential);
    return async () => header;
  }
  if (isTokenCredential(credential)) {
    if (scopes === undefined || scopes.length === 0) {
      throw new TypeError("a TokenCredential needs scopes, such as 'api://edge-pki/.default'");
    }
    return cachedTokenCredential(credential, scopes, now);
  }
  const header = bearer(credential.token);
  return async (operationId) => {
    if (operationId !== "issueCertificate") {
      throw new TypeError(
        `a bootstrap token is only for issuing a device's certificate, not for ${operationId}`,
      );
    }
    return header;
  };
}

function bearer(token: string): string {
  const trimmed = token.trim();
  if (trimmed === "" || /\s/.test(trimmed)) throw new TypeError("the token is empty or has spaces in it");
  return `Bearer ${trimmed}`;
}

/**
 * Caches the access token and asks for a new one shortly before it expires (or when the credential
 * says to refresh). Concurrent calls share one request for a token.
 */
function cachedTokenCredential(
  credential: TokenCredential,
  scopes: string | string[],
  now: () => number,
): AuthorizationProvider {
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const fresh = (token: AccessToken | undefined): token is AccessToken =>
    token !== undefined &&
    now() < token.expiresOnTimestamp - REFRESH_MARGIN_MS &&
    (token.refreshAfterTimestamp === undefined || now() < token.refreshAfterTimestamp);
  return async (_operationId, signal) => {
    if (!fresh(current)) {
      pending ??= credential
        .getToken(scopes, { abortSignal: signal })
        .then((token) => {
          if (token === null) throw new Error("the TokenCredential returned no token");
          current = token;
          return token;
        })
        .finally(() => {
          pending = undefined;
        });
      current = await pending;
    }
    return bearer(current.token);
  };
}

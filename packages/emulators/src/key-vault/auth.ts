/**
 * Key Vault's bearer challenge. The SDK's first request on a client carries no token and no body;
 * it expects 401 with a `WWW-Authenticate` header naming the tenant and the resource, then retries
 * with a token. The check runs on headers alone, before the body is read.
 */
import type { IncomingHttpHeaders } from "node:http";
import { KeyVaultError } from "./errors.js";

export const KEY_VAULT_RESOURCE = "https://vault.azure.net";

/** Decides whether a bearer token is accepted; the default accepts any non-empty token. */
export type TokenPredicate = (token: string) => boolean;

/** The `WWW-Authenticate` value Key Vault sends with a 401. */
export const challengeHeader = (tenantId: string): string =>
  `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="${KEY_VAULT_RESOURCE}"`;

/** Throws a 401 KeyVaultError unless the request carries an acceptable bearer token. */
export function authenticate(headers: IncomingHttpHeaders, acceptToken?: TokenPredicate): void {
  const match = /^Bearer\s+(\S.*)$/i.exec(headers.authorization ?? "");
  const token = match?.[1]?.trim();
  if (!token) {
    throw new KeyVaultError(401, "Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.");
  }
  if (acceptToken && !acceptToken(token)) {
    throw new KeyVaultError(401, "Unauthorized", "AKV10032: Invalid issuer or token rejected by the vault.");
  }
}

import { createRemoteJWKSet, customFetch, type FetchImplementation, type JWTVerifyGetKey } from "jose";

export interface DiscoveryOptions {
  /** Injected so tests and proxies need no global patching. */
  fetch?: typeof fetch;
  /** How soon an unknown `kid` may trigger another JWKS fetch (key rotation). jose's default: 30 s. */
  cooldownMs?: number;
  timeoutMs?: number;
}

/**
 * An OpenID Connect issuer's signing keys: `/.well-known/openid-configuration` gives `jwks_uri`,
 * whose keys jose caches and re-fetches when a token names a `kid` it has not seen (rotation).
 * Discovery happens on first use and is retried after a failure, so a start-up while the identity
 * provider is unreachable does not stick.
 */
export function discoveredKeySet(issuer: string, options: DiscoveryOptions = {}): JWTVerifyGetKey {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  return async (header, token) => {
    keySet ??= discover(issuer, options).catch((error: unknown) => {
      keySet = undefined;
      throw error;
    });
    return (await keySet)(header, token);
  };
}

async function discover(issuer: string, options: DiscoveryOptions): Promise<JWTVerifyGetKey> {
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5000;
  const url = `${issuer.replace(/\/+$/, "")}/.well-known/openid-configuration`;
  const response = await fetchImpl(url, { redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`OIDC discovery at ${url} answered ${response.status}`);
  const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery §4.3: the document must name the issuer we asked about.
  if (document.issuer !== issuer) throw new Error(`OIDC discovery at ${url} names another issuer`);
  if (typeof document.jwks_uri !== "string") throw new Error(`OIDC discovery at ${url} has no jwks_uri`);
  return createRemoteJWKSet(new URL(document.jwks_uri), {
    timeoutDuration: timeoutMs,
    ...(options.cooldownMs !== undefined && { cooldownDuration: options.cooldownMs }),
    ...(options.fetch && { [customFetch]: options.fetch as unknown as FetchImplementation }),
  });
}

import {
  createRemoteJWKSet,
  customFetch,
  errors,
  type FetchImplementation,
  type JWTVerifyGetKey,
  type RemoteJWKSet,
} from "jose";
import { UnknownKeyRefetches } from "./unknown-key-refetches.js";

export interface DiscoveryOptions {
  /** Injected so tests and proxies need no global patching. */
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Injected so tests can pin the refetch budget's clock. */
  now?: () => number;
}

/**
 * An OpenID Connect issuer's signing keys: `/.well-known/openid-configuration` gives `jwks_uri`,
 * whose keys are cached (ten minutes) and fetched again at once when a token names a `kid` the cache
 * lacks, so a key the issuer has just rotated in works without waiting; `UnknownKeyRefetches` keeps
 * made-up key ids from turning into a flood of fetches. Discovery happens on first use and is
 * retried after a failure, so a start-up while the identity provider is unreachable does not stick.
 */
export function discoveredKeySet(issuer: string, options: DiscoveryOptions = {}): JWTVerifyGetKey {
  let keySet: Promise<RemoteJWKSet> | undefined;
  /** One refetch at a time: concurrent tokens with a new key id wait for it rather than spend budget. */
  let refetching: Promise<void> | undefined;
  const refetches = new UnknownKeyRefetches(options.now);
  return async (header, token) => {
    keySet ??= discover(issuer, options).catch((error: unknown) => {
      keySet = undefined;
      throw error;
    });
    const remote = await keySet;
    try {
      return await remote(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (refetching === undefined) {
        if (!refetches.mayRefetch(header.kid)) throw error;
        refetching = remote.reload().finally(() => {
          refetching = undefined;
        });
      }
      await refetching;
      try {
        return await remote(header, token);
      } catch (again) {
        if (again instanceof errors.JWKSNoMatchingKey) refetches.markAbsent(header.kid);
        throw again;
      }
    }
  };
}

async function discover(issuer: string, options: DiscoveryOptions): Promise<RemoteJWKSet> {
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
    // Unknown key ids are refetched by the policy above, not by jose's own cooldown.
    cooldownDuration: Number.POSITIVE_INFINITY,
    ...(options.fetch && { [customFetch]: options.fetch as unknown as FetchImplementation }),
  });
}

import { type PipelinePolicy, type RetryStrategy, retryPolicy } from "@azure/core-rest-pipeline";

/** How a 429 is waited out: Key Vault's advice is 1, 2, 4, 8, 16 s. */
export interface ThrottleBackoff {
  firstDelayMs: number;
  maxDelayMs: number;
  /** Retries after the first attempt; the caller's deadline usually ends them first. */
  maxRetries: number;
}

export const KEY_VAULT_BACKOFF: ThrottleBackoff = { firstDelayMs: 1_000, maxDelayMs: 16_000, maxRetries: 10 };

/**
 * The n-th wait (n from 0): doubling from `firstDelayMs`, at most `maxDelayMs`, with ±20 % jitter
 * below the cap so that replicas throttled together do not all come back in the same instant.
 */
export function throttleBackoffMs(retry: number, backoff: ThrottleBackoff, random = Math.random): number {
  const doubled = backoff.firstDelayMs * 2 ** Math.min(retry, 30);
  return Math.min(backoff.maxDelayMs, doubled * (0.8 + 0.4 * random()));
}

/**
 * An outer retry policy for the SDK's pipeline (`additionalPolicies`, position `perCall`) that
 * retries every 429 the default retry policy gives back.
 *
 * Why not `retryOptions`: the SDK's default policy is a throttling strategy that retries a 429 only
 * when it carries Retry-After, and an exponential strategy for 408, 5xx and network errors only; a
 * 429 without Retry-After matches neither, so the call fails at the first one, whatever
 * `retryOptions` say. Key Vault's throttling guidance never promises Retry-After, and a 429 captured
 * from a real vault's sign had none. So this policy is the SDK's own `retryPolicy` with one
 * strategy: wait what the vault said when it said, else {@link throttleBackoffMs}. The caller's
 * abort signal (a deadline) cuts any wait short.
 */
export function throttleRetryPolicy(backoff: ThrottleBackoff = KEY_VAULT_BACKOFF): PipelinePolicy {
  const strategy: RetryStrategy = {
    name: "keyVaultThrottleBackoff",
    retry({ retryCount, response }) {
      if (response?.status !== 429) return { skipStrategy: true };
      const said = retryAfterMs(response.headers.get("retry-after"));
      return { retryAfterInMs: said ?? throttleBackoffMs(retryCount, backoff) };
    },
  };
  return { ...retryPolicy([strategy], { maxRetries: backoff.maxRetries }), name: "keyVaultThrottleRetry" };
}

/** `Retry-After` as seconds or an HTTP date, in ms. */
export function retryAfterMs(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

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
      const said = retryAfterMs(response.headers);
      return { retryAfterInMs: said ?? throttleBackoffMs(retryCount, backoff) };
    },
  };
  return { ...retryPolicy([strategy], { maxRetries: backoff.maxRetries }), name: "keyVaultThrottleRetry" };
}

/**
 * The wait a 429 asks for, in ms, read as the Azure SDK's own throttling strategy reads it:
 * `retry-after-ms`, then `x-ms-retry-after-ms` (milliseconds), then `Retry-After` (seconds or an
 * HTTP date). The millisecond headers matter when the vault's window is short: whole seconds
 * round a wait of a few ms up to a second.
 */
export function retryAfterMs(
  headers: { get(name: string): string | undefined } | undefined,
): number | undefined {
  for (const name of ["retry-after-ms", "x-ms-retry-after-ms"]) {
    // A number of ms, 0 or more; anything else (blank, negative, "12ms") is as if not sent.
    const value = headers?.get(name)?.trim();
    const ms = value ? Number(value) : Number.NaN;
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const header = headers?.get("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

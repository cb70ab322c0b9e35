/** How a call is retried; every field has a default in `EdgePkiClient`. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** The first backoff; each retry doubles it. */
  initialDelayMs: number;
  /** The longest backoff. */
  maxDelayMs: number;
  /** The longest wait a `Retry-After` may ask for; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 2,
  initialDelayMs: 500,
  maxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
};

/**
 * How long to wait before retry number `retry` (0 for the first): the service's `Retry-After` when
 * it sent one (capped), otherwise exponential backoff with jitter, so that the clients a restart
 * disconnected together do not come back together.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  headers: Headers | undefined,
  random: () => number,
  now: () => number,
): number {
  const asked = headers && retryAfterMs(headers, now);
  if (asked !== undefined) return Math.min(asked, policy.maxRetryAfterMs);
  const backoff = Math.min(policy.initialDelayMs * 2 ** retry, policy.maxDelayMs);
  return backoff * (1 - random() * 0.25);
}

/**
 * `retry-after-ms` (milliseconds), or `Retry-After` as delay-seconds or an HTTP-date (RFC 9110
 * §10.2.3); undefined when absent or unreadable. A date in the past means now.
 */
export function retryAfterMs(headers: Headers, now: () => number): number | undefined {
  const milliseconds = headers.get("retry-after-ms");
  if (milliseconds !== null && /^\d+(\.\d+)?$/.test(milliseconds.trim())) return Number(milliseconds);
  const value = headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

import { setTimeout as sleep } from "node:timers/promises";
import type { KeyVaultMetrics, VaultSignOutcome } from "../../../ports/metrics.js";
import { abortAfter } from "./abort-after.js";
import type { AdaptiveConcurrencyLimit } from "./adaptive-concurrency-limit.js";
import { VaultCallError } from "./key-vault-client.js";
import { KEY_VAULT_BACKOFF, throttleBackoffMs } from "./throttle-retry-policy.js";

/** How long and how often a signature is tried before the caller gets "unavailable". */
export interface SigningPolicy {
  /** Per attempt: a call that takes longer is abandoned (and counts as a transient failure). */
  callTimeoutMs: number;
  /** For the whole signature, queueing and waits included. */
  deadlineMs: number;
  /** 5xx/timeouts/connection errors in a row before giving up; 429s only end at the deadline. */
  maxTransientFailures: number;
}

export const DEFAULT_SIGNING_POLICY: SigningPolicy = {
  callTimeoutMs: 5_000,
  deadlineMs: 30_000,
  maxTransientFailures: 3,
};

const transientBackoffMs = (attempt: number) => 100 * 2 ** attempt * (0.5 + Math.random());

/**
 * Key Vault could not sign in time; the message says why, the cause carries the last failure, and
 * `retryAfterMs` how long the vault asked everyone to wait, when it did.
 */
export class VaultUnavailableError extends Error {
  override readonly name = "VaultUnavailableError";
  constructor(message: string, options: { cause?: unknown; retryAfterMs?: number | undefined } = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
  }
  readonly retryAfterMs: number | undefined;
}

/**
 * Runs one remote call under the policy: a slot from the adaptive limit, a timeout per attempt,
 * Retry-After on 429 (the SDK's own retries are off, so every 429 reaches the limit), a few quick
 * retries of transient faults, and a deadline after which the failure is final. Each call (each
 * attempt) is reported to `metrics`, when given, once the limit has adapted to it.
 */
export async function callWithinPolicy<T>(
  limit: AdaptiveConcurrencyLimit,
  policy: SigningPolicy,
  call: (signal: AbortSignal) => Promise<T>,
  metrics?: KeyVaultMetrics,
): Promise<T> {
  const deadlineTimer = abortAfter(policy.deadlineMs);
  const deadline = { signal: deadlineTimer.signal, at: Date.now() + policy.deadlineMs };
  try {
    return await attemptUntilDone(limit, policy, deadline, call, metrics);
  } finally {
    deadlineTimer.clear();
  }
}

async function attemptUntilDone<T>(
  limit: AdaptiveConcurrencyLimit,
  policy: SigningPolicy,
  { signal: deadline, at: deadlineAt }: { signal: AbortSignal; at: number },
  call: (signal: AbortSignal) => Promise<T>,
  metrics: KeyVaultMetrics | undefined,
): Promise<T> {
  let throttles = 0;
  let transientFailures = 0;
  let lastFailure: unknown;
  const giveUp = (why: string, retryAfterMs?: number) =>
    new VaultUnavailableError(why, { cause: lastFailure, retryAfterMs });
  // Bounded: every turn either returns, throws, or waits on a clock that the deadline cuts off.
  for (;;) {
    // A pause after a 429 that outlasts this signature's deadline: waiting it out only to fail then
    // helps nobody, so fail now. Only a wait the vault asked for is passed on to the caller; after
    // a bare 429 the pause is our own backoff, and the caller gets the default Retry-After.
    const pause = limit.pausedForMs;
    if (pause > deadlineAt - Date.now()) {
      const seconds = Math.ceil(pause / 1000);
      throw limit.pauseSaidByVault
        ? giveUp(`Key Vault asked to wait ${seconds} s, past the signing deadline`, pause)
        : giveUp(
            `Key Vault throttled without Retry-After; the backoff of ${seconds} s reaches past the signing deadline`,
          );
    }
    let permit: Awaited<ReturnType<AdaptiveConcurrencyLimit["acquire"]>>;
    try {
      permit = await limit.acquire(deadline);
    } catch {
      throw giveUp(`Key Vault did not get to this signature within ${policy.deadlineMs} ms`);
    }
    const callTimer = abortAfter(policy.callTimeoutMs);
    const started = performance.now();
    // Once the permit is settled, so that the limit reported is the one this outcome left.
    const report = (outcome: VaultSignOutcome) =>
      metrics?.vaultSign({
        outcome,
        seconds: (performance.now() - started) / 1000,
        concurrencyLimit: limit.limit,
      });
    try {
      const result = await call(AbortSignal.any([deadline, callTimer.signal]));
      permit.succeeded();
      report("signed");
      return result;
    } catch (error) {
      lastFailure = error;
      const failure = error instanceof VaultCallError ? error : undefined;
      if (failure?.kind === "throttled") {
        // Without Retry-After, Key Vault's advice: 1, 2, 4, 8, 16 s.
        if (failure.retryAfterMs !== undefined) permit.throttled(failure.retryAfterMs, true);
        else permit.throttled(throttleBackoffMs(throttles++, KEY_VAULT_BACKOFF));
      } else {
        permit.release();
      }
      report(failure?.kind ?? "rejected");
      if (failure === undefined || failure.kind === "rejected") throw error;
      if (deadline.aborted) throw giveUp(`Key Vault did not sign within ${policy.deadlineMs} ms`);
      if (failure.kind === "transient") {
        transientFailures++;
        if (transientFailures >= policy.maxTransientFailures) {
          throw giveUp(`Key Vault failed ${transientFailures} times in a row`);
        }
        try {
          await sleep(transientBackoffMs(transientFailures), undefined, { signal: deadline });
        } catch {
          throw giveUp(`Key Vault did not sign within ${policy.deadlineMs} ms`);
        }
      }
    } finally {
      callTimer.clear();
    }
  }
}

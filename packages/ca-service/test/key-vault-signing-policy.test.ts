import { describe, expect, it } from "vitest";
import { AdaptiveConcurrencyLimit } from "../src/adapters/keys/azure-key-vault/adaptive-concurrency-limit.js";
import { VaultCallError } from "../src/adapters/keys/azure-key-vault/key-vault-client.js";
import {
  callWithinPolicy,
  VaultUnavailableError,
} from "../src/adapters/keys/azure-key-vault/signing-policy.js";

const policy = { callTimeoutMs: 1_000, deadlineMs: 10_000, maxTransientFailures: 3 };
const signature = new Uint8Array([1, 2, 3]);

/** A remote call that fails with `failures` in order, then succeeds; counts attempts. */
function scripted(failures: VaultCallError[]) {
  let attempts = 0;
  const call = async () => {
    const failure = failures[attempts++];
    if (failure) throw failure;
    return signature;
  };
  return { call, attempts: () => attempts };
}

describe("AdaptiveConcurrencyLimit", () => {
  it("halves once per congestion event, however many calls of that round were throttled", async () => {
    const limit = new AdaptiveConcurrencyLimit({ max: 16 });
    const permits = await Promise.all(Array.from({ length: 8 }, () => limit.acquire()));
    for (const permit of permits) permit.throttled(0);
    expect(limit.limit).toBe(8);
    const next = await limit.acquire();
    next.throttled(0);
    expect(limit.limit).toBe(4);
  });

  it("grows back by about one per round of successes, up to its maximum", async () => {
    const limit = new AdaptiveConcurrencyLimit({ max: 4 });
    (await limit.acquire()).throttled(0);
    expect(limit.limit).toBe(2);
    for (let i = 0; i < 20; i++) (await limit.acquire()).succeeded();
    expect(limit.limit).toBe(4);
  });

  it("never admits more than the limit at once, and admits the waiting in order", async () => {
    const limit = new AdaptiveConcurrencyLimit({ max: 2 });
    const first = await limit.acquire();
    await limit.acquire();
    const order: number[] = [];
    const third = limit.acquire().then((permit) => {
      order.push(3);
      return permit;
    });
    const fourth = limit.acquire().then(() => order.push(4));
    expect(limit.inFlight).toBe(2);
    first.release();
    (await third).release();
    await fourth;
    expect(order).toEqual([3, 4]);
  });

  it("lets a waiting caller give up when its signal aborts", async () => {
    const limit = new AdaptiveConcurrencyLimit({ max: 1 });
    await limit.acquire();
    const controller = new AbortController();
    const waiting = limit.acquire(controller.signal);
    controller.abort(new Error("gave up"));
    await expect(waiting).rejects.toThrow("gave up");
    expect(limit.inFlight).toBe(1);
  });
});

describe("callWithinPolicy", () => {
  it("waits out 429s for their Retry-After, then succeeds", async () => {
    const remote = scripted([
      new VaultCallError("throttled", "429", 10),
      new VaultCallError("throttled", "429", 10),
    ]);
    const result = await callWithinPolicy(new AdaptiveConcurrencyLimit({ max: 4 }), policy, remote.call);
    expect(result).toBe(signature);
    expect(remote.attempts()).toBe(3);
  });

  it("retries transient faults a few times, then reports the vault unavailable", async () => {
    const remote = scripted(Array.from({ length: 10 }, () => new VaultCallError("transient", "503")));
    const failure = await callWithinPolicy(
      new AdaptiveConcurrencyLimit({ max: 4 }),
      policy,
      remote.call,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultUnavailableError);
    expect((failure as Error).message).toBe("Key Vault failed 3 times in a row");
    expect(remote.attempts()).toBe(3);
  });

  it("does not retry what retrying cannot fix (403, 404)", async () => {
    const forbidden = new VaultCallError("rejected", "403");
    const remote = scripted([forbidden]);
    await expect(
      callWithinPolicy(new AdaptiveConcurrencyLimit({ max: 4 }), policy, remote.call),
    ).rejects.toBe(forbidden);
    expect(remote.attempts()).toBe(1);
  });

  it("gives up at the deadline while the vault keeps throttling", async () => {
    const remote = scripted(Array.from({ length: 1_000 }, () => new VaultCallError("throttled", "429", 20)));
    const failure = await callWithinPolicy(
      new AdaptiveConcurrencyLimit({ max: 4 }),
      { ...policy, deadlineMs: 200 },
      remote.call,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultUnavailableError);
    expect(remote.attempts()).toBeLessThan(1_000);
  });

  it("fails at once when the vault's Retry-After outlasts the deadline, and says how long to wait", async () => {
    const remote = scripted([new VaultCallError("throttled", "429", 60_000)]);
    const started = performance.now();
    const failure = await callWithinPolicy(
      new AdaptiveConcurrencyLimit({ max: 4 }),
      policy,
      remote.call,
    ).catch((error: unknown) => error);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(failure).toBeInstanceOf(VaultUnavailableError);
    expect((failure as VaultUnavailableError).retryAfterMs).toBeGreaterThan(59_000);
    expect(remote.attempts()).toBe(1);
  });

  it("after a 429 without Retry-After, backs off on its own and does not claim the vault asked", async () => {
    const remote = scripted([new VaultCallError("throttled", "429")]);
    // The first backoff (1 s, ±20 %) reaches past a 500 ms deadline: it gives up at once.
    const failure = await callWithinPolicy(
      new AdaptiveConcurrencyLimit({ max: 4 }),
      { ...policy, deadlineMs: 500 },
      remote.call,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultUnavailableError);
    expect((failure as VaultUnavailableError).message).toMatch(
      /^Key Vault throttled without Retry-After; the backoff of [12] s reaches past the signing deadline$/,
    );
    // Nothing the vault said to pass on: the caller's 503 carries the default Retry-After.
    expect((failure as VaultUnavailableError).retryAfterMs).toBeUndefined();
    expect(remote.attempts()).toBe(1);
  });

  it("abandons a call that outlives its timeout", async () => {
    let attempts = 0;
    const hanging = (signal: AbortSignal) =>
      new Promise<Uint8Array>((_, reject) => {
        attempts++;
        signal.addEventListener("abort", () => reject(new VaultCallError("transient", "timed out")));
      });
    const failure = await callWithinPolicy(
      new AdaptiveConcurrencyLimit({ max: 4 }),
      { ...policy, callTimeoutMs: 20 },
      hanging,
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultUnavailableError);
    expect(attempts).toBe(3);
  });
});

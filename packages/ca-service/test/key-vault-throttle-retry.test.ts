import { describe, expect } from "vitest";
import { VaultCallError } from "../src/adapters/keys/azure-key-vault/key-vault-client.js";
import { it, test } from "./support/fixtures.js";
import type { TestVault } from "./support/key-vault.js";

// Each test sets the throttle it needs; none outlives it.
test.afterEach(async ({ vault }) => {
  await vault.emulator.setFaults({ throttle: null, faults: {} });
});

/** Short waits, so that a test waits out many 429s in little time. */
const backoff = { firstDelayMs: 20, maxDelayMs: 200, maxRetries: 50 };

const storeFor = (vault: TestVault, root: string, callDeadlineMs?: number) =>
  vault.keyStore({ certificateNames: { root, intermediate: `${root}-issuing` }, backoff, callDeadlineMs });

describe("Key Vault reads, creates and merges under 429s without Retry-After", () => {
  it("waits them out with backoff: every create gets through", async ({ vault }) => {
    // Every create meets one bare 429 first, whatever the timing.
    await vault.emulator.setFaults({ faults: { throttleFirstAttempts: ["createKey"] } });
    const before = vault.emulator.stats.throttledByType.createKey;
    const stores = ["retry-a", "retry-b", "retry-c"].map((root) => storeFor(vault, root));
    for (const store of stores) await store.createKey("root", "ECDSA_P256");
    for (const store of stores) expect(await store.load("root")).toBeDefined();
    expect(vault.emulator.stats.throttledByType.createKey - before).toBe(3);
  });

  it("gives up at the call deadline, naming the operation, while the vault keeps throttling", async ({
    vault,
  }) => {
    await vault.emulator.setFaults({
      throttle: { limits: { vault: 2 }, windowMs: 60_000, retryAfter: false },
    });
    const store = storeFor(vault, "deadline-root", 500);
    await store.load("root"); // the window's two reads: the certificate, its pending operation
    const failure = await store.load("root").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(VaultCallError);
    expect((failure as VaultCallError).message).toBe(
      `Key Vault ${vault.emulator.url}: read certificate deadline-root failed: no success within 500 ms (the vault kept throttling, failing or not answering)`,
    );
  });
});

import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../src/index.js";
import {
  caught,
  certificateClient,
  credential,
  ExchangeRecorder,
  keyClient,
  type PipelinePolicy,
} from "./helpers.js";

describe("Key Vault emulator: throttling and faults", () => {
  let emulator: KeyVaultEmulator;
  let randomValues: number[] = [];

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator({ random: () => randomValues.shift() ?? 1 });
    await keyClient(emulator).createEcKey("target", { curve: "P-256" });
  });
  afterEach(async () => {
    await emulator.setFaults({ throttle: null, faults: {} });
    randomValues = [];
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it("answers 429 with Retry-After once the window is full, and the SDK's retry honours it", async () => {
    const signer = keyClient(emulator).getCryptographyClient("target");
    await signer.sign("ES256", new Uint8Array(32)); // challenge and key fetch before throttling starts
    await emulator.setFaults({ throttle: { operationsPer10Seconds: 2, windowMs: 1_000 } });
    const before = emulator.stats;

    const lengths = [];
    for (let i = 1; i <= 5; i++)
      lengths.push((await signer.sign("ES256", new Uint8Array(32).fill(i))).result.length);

    expect(lengths).toEqual([64, 64, 64, 64, 64]);
    const after = emulator.stats;
    // The SDK retries a 429 only when Retry-After is present, so success here proves the header.
    expect(after.throttled - before.throttled).toBeGreaterThan(0);
    expect(after.signs - before.signs).toBe(5);
  });

  it("surfaces the 429 as a RestError with code Throttled when the client does not retry", async () => {
    const client = keyClient(emulator, { maxRetries: 0 });
    await client.getKey("target");
    await emulator.setFaults({ throttle: { operationsPer10Seconds: 1, windowMs: 60_000 } });
    await client.getKey("target");
    const error = await caught(() => client.getKey("target"));
    expect(error).toMatchObject({ statusCode: 429, code: "Throttled" });
  });

  it("counts each transaction type apart: creating keys runs out while signing goes on", async () => {
    const client = keyClient(emulator, { maxRetries: 0 });
    const signer = client.getCryptographyClient("target");
    await signer.sign("ES256", new Uint8Array(32)); // challenge and key fetch before throttling starts
    await emulator.setFaults({ throttle: { limits: { createKey: 1 }, windowMs: 60_000 } });
    const before = emulator.stats.throttledByType;
    await client.createEcKey("first-of-window", { curve: "P-256" });
    const second = await caught(() => client.createEcKey("second-of-window", { curve: "P-256" }));
    expect(second).toMatchObject({ statusCode: 429, code: "Throttled" });
    const certificate = await caught(() =>
      certificateClient(emulator, { maxRetries: 0 }).beginCreateCertificate("third-of-window", {
        issuerName: "Unknown",
        subject: "CN=third",
      }),
    );
    expect(certificate).toMatchObject({ statusCode: 429 });
    for (let i = 0; i < 5; i++)
      expect((await signer.sign("ES256", new Uint8Array(32))).result).toHaveLength(64);
    const after = emulator.stats.throttledByType;
    expect([after.createKey - before.createKey, after.keyOperation - before.keyOperation]).toEqual([2, 0]);
  });

  it("can answer 429 without Retry-After, which the SDK's default retry policy does not retry", async () => {
    const recorder = new ExchangeRecorder();
    const client = keyClient(emulator, { recorder });
    await client.getKey("target");
    await emulator.setFaults({
      throttle: { operationsPer10Seconds: 1, windowMs: 60_000, retryAfter: false },
    });
    await client.getKey("target");
    const attemptsBefore = recorder.exchanges.length;
    const error = await caught(() => client.getKey("target"));
    expect(error).toMatchObject({ statusCode: 429, code: "Throttled" });
    expect(recorder.exchanges.slice(attemptsBefore)).toEqual([
      expect.objectContaining({
        status: 429,
        headers: { retryAfter: undefined, retryAfterMs: undefined, location: undefined },
      }),
    ]);
  });

  it("says the wait in ms too (retry-after-ms) only when its window is shorter than Key Vault's 10 s", async () => {
    const recorder = new ExchangeRecorder();
    const client = keyClient(emulator, { recorder, maxRetries: 0 });
    await client.getKey("target");
    const throttledWait = async (windowMs: number) => {
      await emulator.setFaults({ throttle: { operationsPer10Seconds: 1, windowMs } });
      await client.getKey("target");
      await caught(() => client.getKey("target"));
      return recorder.last("GET", "/keys/target/").headers;
    };

    const short = await throttledWait(1_000);
    expect(short.retryAfter).toBe("1");
    expect(Number(short.retryAfterMs)).toBeGreaterThan(0);
    expect(Number(short.retryAfterMs)).toBeLessThanOrEqual(1_000);

    const vaultLike = await throttledWait(10_000);
    expect(Number(vaultLike.retryAfter)).toBeGreaterThanOrEqual(9);
    expect(vaultLike.retryAfterMs).toBeUndefined();
  });

  it("throttles each operation's first attempt once, without Retry-After, and lets its retry through", async () => {
    const recorder = new ExchangeRecorder();
    // The smallest retry there is: the same request once more, as the SDK's retry policies resend it.
    const retryOnce: PipelinePolicy = {
      name: "retry-once",
      sendRequest: async (request, next) => {
        const first = await next(request);
        return first.status === 429 ? next(request) : first;
      },
    };
    const client = new KeyClient(emulator.url, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: emulator.caCertificatePem },
      additionalPolicies: [
        { policy: retryOnce, position: "perCall" },
        { policy: recorder.policy, position: "perRetry" },
      ],
    });
    await client.getKey("target");
    await emulator.setFaults({ faults: { throttleFirstAttempts: ["keyOperation"] } });
    const before = emulator.stats.throttledByType.keyOperation;
    for (let i = 0; i < 3; i++) expect((await client.getKey("target")).name).toBe("target");
    expect(emulator.stats.throttledByType.keyOperation - before).toBe(3);
    expect(
      recorder.exchanges.slice(-6).map((exchange) => [exchange.status, exchange.headers.retryAfter]),
    ).toEqual([
      [429, undefined],
      [200, undefined],
      [429, undefined],
      [200, undefined],
      [429, undefined],
      [200, undefined],
    ]);
  });

  it("refuses like a vault without the role: 403 Forbidden, innererror ForbiddenByRbac", async () => {
    const client = keyClient(emulator, { maxRetries: 0 });
    await client.getKey("target");
    await emulator.setFaults({ faults: { errorRate: 1, errorStatus: 403 } });
    randomValues = [0];
    const error = await caught(() => client.getKey("target"));
    expect(error).toMatchObject({ statusCode: 403, code: "Forbidden" });
    expect(error.message).toMatch(/^Caller is not authorized to perform action on resource\./);
    expect(error.details?.error?.innerError?.code).toBe("ForbiddenByRbac");
  });

  it("answers every request with 503 during an outage, and recovers afterwards", async () => {
    const client = keyClient(emulator, { maxRetries: 0 });
    await client.getKey("target");
    await emulator.setFaults({ faults: { outage: true } });
    const error = await caught(() => client.getKey("target"));
    expect(error).toMatchObject({ statusCode: 503, code: "ServiceUnavailable" });

    await emulator.setFaults({ faults: {} });
    expect((await client.getKey("target")).name).toBe("target");
  });

  it("refuses connections in connection-refused outage mode, and listens again on the same port after", async () => {
    const client = keyClient(emulator, { maxRetries: 0 });
    await client.getKey("target");
    await emulator.setFaults({ faults: { outage: "connection-refused" } });
    // A kept-alive socket is torn down (ECONNRESET); a new connection is refused.
    const onOpenSocket = await caught(() => client.getKey("target"));
    expect(["ECONNRESET", "ECONNREFUSED"]).toContain(onOpenSocket.code);
    const fresh = await caught(() => keyClient(emulator, { maxRetries: 0 }).getKey("target"));
    expect(fresh.code).toBe("ECONNREFUSED");

    await emulator.setFaults({ faults: {} });
    expect((await keyClient(emulator).getKey("target")).name).toBe("target");
  });

  it("injects 500s at the configured error rate; the SDK's exponential retry gets through", async () => {
    const strict = keyClient(emulator, { maxRetries: 0 });
    await strict.getKey("target");
    await emulator.setFaults({ faults: { errorRate: 0.5 } });
    randomValues = [0.1];
    const error = await caught(() => strict.getKey("target"));
    expect(error).toMatchObject({ statusCode: 500, code: "InternalServerError" });

    const retrying = keyClient(emulator);
    await retrying.getKey("target");
    const before = emulator.stats.faults;
    randomValues = [0.1, 0.9];
    expect((await retrying.getKey("target")).name).toBe("target");
    expect(emulator.stats.faults - before).toBe(1);
  });

  it("adds latency to every request", async () => {
    const client = keyClient(emulator);
    await client.getKey("target");
    await emulator.setFaults({ faults: { latencyMs: 300 } });
    const started = performance.now();
    await client.getKey("target");
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("rejects invalid fault settings", async () => {
    await expect(emulator.setFaults({ faults: { errorRate: 2 } })).rejects.toThrow(RangeError);
    await expect(emulator.setFaults({ throttle: { operationsPer10Seconds: 0 } })).rejects.toThrow(RangeError);
    await expect(emulator.setFaults({ throttle: {} })).rejects.toThrow(
      "throttle needs operationsPer10Seconds or limits",
    );
    await expect(
      emulator.setFaults({ throttle: { limits: { signing: 5 } as Record<string, number> } }),
    ).rejects.toThrow("throttle.limits: unknown transaction type 'signing' (createKey, keyOperation, vault)");
    await expect(
      emulator.setFaults({ faults: { throttleFirstAttempts: ["sign"] as unknown as ["vault"] } }),
    ).rejects.toThrow(
      "faults.throttleFirstAttempts must list transaction types (createKey, keyOperation, vault)",
    );
  });
});

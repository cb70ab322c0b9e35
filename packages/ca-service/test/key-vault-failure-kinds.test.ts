import { createHttpHeaders, createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import { toVaultCallError } from "../src/adapters/keys/azure-key-vault/vault-failure.js";

const context = {
  vaultUrl: "https://ca.vault.azure.net",
  operation: "sign with key k",
  role: "crypto",
} as const;
const kindOf = (error: unknown) => toVaultCallError(error, context).kind;

describe("what a failed Key Vault call is worth retrying", () => {
  it("retries what the vault may answer next time: 429 (waiting), 5xx, 408, no answer at all", () => {
    expect(kindOf(new RestError("throttled", { statusCode: 429 }))).toBe("throttled");
    expect(kindOf(new RestError("unavailable", { statusCode: 503 }))).toBe("transient");
    expect(kindOf(new RestError("timeout", { statusCode: 408 }))).toBe("transient");
    expect(kindOf(new RestError("connect ECONNREFUSED", { code: "ECONNREFUSED" }))).toBe("transient");
    expect(kindOf(new DOMException("timed out", "TimeoutError"))).toBe("transient");
  });

  it("does not retry what fails the same way every time: 403, and the SDK's own refusal before any request", () => {
    expect(kindOf(new RestError("forbidden", { statusCode: 403 }))).toBe("rejected");
    // CryptographyClient checks a fetched key's nbf/exp itself and throws a plain Error.
    expect(
      kindOf(new Error("Key https://ca.vault.azure.net/keys/k/1 expired at 2025-01-01T00:00:00.000Z")),
    ).toBe("rejected");
    expect(kindOf(Object.assign(new Error("no credential"), { name: "CredentialUnavailableError" }))).toBe(
      "rejected",
    );
  });
});

describe("how long a 429 asks to wait", () => {
  const throttledWith = (headers: Record<string, string>) => {
    const request = createPipelineRequest({ url: context.vaultUrl });
    const response = { request, status: 429, headers: createHttpHeaders(headers) };
    return toVaultCallError(new RestError("throttled", { statusCode: 429, request, response }), context);
  };

  it("reads the headers the Azure SDK reads, milliseconds first", () => {
    expect(
      throttledWith({ "retry-after-ms": "40", "x-ms-retry-after-ms": "70", "retry-after": "1" }).retryAfterMs,
    ).toBe(40);
    expect(throttledWith({ "x-ms-retry-after-ms": "70", "retry-after": "1" }).retryAfterMs).toBe(70);
    expect(throttledWith({ "retry-after": "2" }).retryAfterMs).toBe(2_000);
    const date = throttledWith({ "retry-after": new Date(Date.now() + 60_000).toUTCString() }).retryAfterMs;
    expect(date).toBeGreaterThan(55_000);
  });

  it("falls back on Retry-After when the ms header is not a number, and on nothing when none is given", () => {
    expect(throttledWith({ "retry-after-ms": "soon", "retry-after": "3" }).retryAfterMs).toBe(3_000);
    for (const bad of [" ", "-5", "12ms"]) {
      expect(throttledWith({ "retry-after-ms": bad, "retry-after": "3" }).retryAfterMs, bad).toBe(3_000);
    }
    expect(throttledWith({}).retryAfterMs).toBeUndefined();
  });
});

import { describe, expect } from "vitest";
import { CredentialsAlreadyIssuedError, EdgePkiClient } from "../src/index.js";
import type { RunningCa } from "./support/ca-service.js";
import { test } from "./support/fixtures.js";

/**
 * A fetch that lets the first issuing request reach the real CA, then loses its answer (as a
 * dropped connection would) and restarts the CA: the client's retries meet a refused connection
 * until the CA is back. Every other request goes through untouched.
 */
function answerLostThenRestart(ca: RunningCa) {
  let lost = false;
  let restarted: Promise<void> | undefined;
  const fetch = (async (input: string | URL | Request, init?: RequestInit) => {
    const response = await globalThis.fetch(input, init);
    if (!lost && init?.method === "POST") {
      lost = true;
      await response.arrayBuffer();
      restarted = ca.stop().then(() => ca.start());
      throw new TypeError("fetch failed", { cause: new Error("socket hang up") });
    }
    return response;
  }) as typeof globalThis.fetch;
  const client = new EdgePkiClient({
    baseUrl: ca.url,
    credential: ca.adminToken,
    fetch,
    maxRetries: 20,
    backoff: { initialDelayMs: 100, maxDelayMs: 1_000 },
  });
  return { client, restarted: () => restarted };
}

describe("retries across a restart of the CA", () => {
  test("a certificate whose answer was lost is fetched again after the restart: the same serial, issued once", async ({
    ca,
  }) => {
    const faults = answerLostThenRestart(ca);
    const { client } = faults;
    const identity = await client.createDeviceIdentity("restart-csr-1");
    await faults.restarted();
    const { items } = await new EdgePkiClient({
      baseUrl: ca.url,
      credential: ca.adminToken,
    }).listDeviceCertificates("restart-csr-1");
    expect(items.map((item) => item.serialNumber)).toEqual([identity.serialNumber]);
  });

  test("server-side key generation: the retry gets CredentialsAlreadyIssuedError naming the serial issued", async ({
    ca,
  }) => {
    const faults = answerLostThenRestart(ca);
    const { client } = faults;
    const error = await client.issueCredentials("restart-keygen-1").catch((caught: unknown) => caught);
    await faults.restarted();
    expect(error).toBeInstanceOf(CredentialsAlreadyIssuedError);
    const { items } = await new EdgePkiClient({
      baseUrl: ca.url,
      credential: ca.adminToken,
    }).listDeviceCertificates("restart-keygen-1");
    expect(items).toHaveLength(1);
    expect(error).toMatchObject({
      code: "ERR_CREDENTIALS_ALREADY_ISSUED",
      status: 409,
      serialNumber: items[0]?.serialNumber,
    });
    expect((error as CredentialsAlreadyIssuedError).idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
  });
});

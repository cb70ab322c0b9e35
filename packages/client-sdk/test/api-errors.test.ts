import { describe, expect } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  bootstrapToken,
  buildCsr,
  ConflictError,
  EdgePkiClient,
  generateDeviceKey,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "../src/index.js";
import { startCa } from "./support/ca-service.js";
import { test } from "./support/fixtures.js";

/** The statuses the real service answers, each as its typed error with the problem's fields. */
describe("typed errors from the real service", () => {
  test("400: field errors, code and detail", async ({ ca }) => {
    const client = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const error = await client
      .issueCertificate({ csr: "not a CSR", validityDays: 0 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({
      code: "ERR_BAD_REQUEST",
      status: 400,
      type: "urn:edge-pki:problem:invalid_request",
      title: "Invalid request",
      problem: { code: "invalid_request" },
      errors: [{ field: "validityDays" }],
      operationId: "issueCertificate",
    });
    expect((error as BadRequestError).idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    const key = await generateDeviceKey();
    const mismatch = await client
      .issueCertificate({ csr: (await buildCsr("dev-a", key)).pem, deviceId: "dev-b" })
      .catch((caught: unknown) => caught);
    expect(mismatch).toMatchObject({ status: 400, problem: { code: "device_id_mismatch" } });
  });

  test("401 for a bad token and for a used bootstrap token; 403 for a missing permission", async ({ ca }) => {
    const bad = new EdgePkiClient({ baseUrl: ca.url, credential: "not.a.token" });
    await expect(bad.getCertificate("01")).rejects.toMatchObject({
      constructor: AuthenticationError,
      status: 401,
      problem: { code: "unauthorized" },
    });
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const { token } = await admin.createBootstrapToken("boot-1");
    const device = new EdgePkiClient({ baseUrl: ca.url, credential: bootstrapToken(token) });
    await device.createDeviceIdentity("boot-1");
    await expect(device.createDeviceIdentity("boot-1")).rejects.toMatchObject({
      constructor: AuthenticationError,
      status: 401,
    });
    await expect(device.getCa()).resolves.toMatchObject({ rootSha256Fingerprint: expect.any(String) });
    await expect(device.listDeviceCertificates("boot-1")).rejects.toThrow(
      /bootstrap token is only for issuing/,
    );
    const issuer = new EdgePkiClient({ baseUrl: ca.url, credential: await ca.token("issuer") });
    await expect(issuer.getCertificate("01")).rejects.toMatchObject({
      constructor: PermissionDeniedError,
      status: 403,
      problem: { code: "forbidden" },
    });
  });

  test("404, 409 and 422", async ({ ca }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    await expect(admin.getCertificate("0a0b0c")).rejects.toMatchObject({
      constructor: NotFoundError,
      status: 404,
    });
    const identity = await admin.createDeviceIdentity("conflicts-1");
    await admin.revoke(identity.serialNumber, "keyCompromise");
    await expect(admin.revoke(identity.serialNumber, "superseded")).rejects.toMatchObject({
      constructor: ConflictError,
      status: 409,
      problem: { code: "already_revoked" },
    });
    const csr = (await buildCsr("conflicts-2", await generateDeviceKey())).pem;
    await admin.issueCertificate({ csr }, { idempotencyKey: "conflicts-key" });
    await expect(
      admin.issueCertificate({ csr, validityDays: 7 }, { idempotencyKey: "conflicts-key" }),
    ).rejects.toMatchObject({
      constructor: ConflictError,
      status: 422,
      problem: { code: "idempotency_conflict" },
      idempotencyKey: "conflicts-key",
    });
  });

  test("429 once the retries are spent, with Retry-After", async () => {
    const limited = await startCa({ env: { EDGE_PKI_RATE_LIMIT_PER_MINUTE: "1" } });
    try {
      const client = new EdgePkiClient({
        baseUrl: limited.url,
        credential: limited.adminToken,
        maxRetries: 0,
      });
      await client.listDeviceCertificates("any");
      const error = await client.listDeviceCertificates("any").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RateLimitError);
      expect((error as RateLimitError).headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      await limited.dispose();
    }
  });
});

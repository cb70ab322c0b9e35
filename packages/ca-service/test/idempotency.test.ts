import { randomUUID } from "node:crypto";
import type { BootstrapToken, CertificateRecord, IssuedCredentials } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { identityOf } from "../src/core/principal.js";
import { apiTokenClaims, principalFromToken } from "../src/core/token-claims.js";
import { HOUR_MS } from "./support/clock.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

// The service runs on the file's clock, which a test moves to check retention without waiting.
test.override("serviceOptions", ({ clock }) => ({ clock }));

/** POSTs with an optional Idempotency-Key, as the admin unless a token is given. */
const post = <Body = IssuedCredentials>(
  service: TestService,
  path: string,
  body: unknown,
  key?: string,
  token = service.adminToken,
) =>
  call<Body>(`${service.url}${path}`, {
    body,
    token,
    headers: key === undefined ? {} : { "idempotency-key": key },
  });

const rows = (service: TestService, deviceId: string) =>
  service.context.store.listByDevice(deviceId, { limit: 100 });

async function callerOf(service: TestService, token: string): Promise<string> {
  return identityOf(principalFromToken(await service.context.verifier.verify(token)));
}

describe("Idempotency-Key", () => {
  it("a retry with the same key and body returns the first response; one certificate in the store", async ({
    service,
    dataDir,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-csr");
    const first = await post(service, "/v1/certificates", { csr: csrPem, validityDays: 30 }, "line7-0001");
    // Same body with its fields in another order: canonical JSON makes it the same request.
    const retry = await post(service, "/v1/certificates", { validityDays: 30, csr: csrPem }, "line7-0001");
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(await rows(service, "idem-csr")).toHaveLength(1);
  });

  it("a replay re-checks authorisation: another line's token with the same subject gets 403, not the certificate", async ({
    service,
    dataDir,
    clock,
  }) => {
    // Same subject, so the same idempotency namespace; only the prefix differs. A subject now holds
    // one live token, but releases before the token registry minted several (and an OIDC issuer may
    // still send several): the second is signed directly, as such a release did.
    const line7 = await service.token(["issuer"], { devicePrefix: "line7-", subject: "shared-station" });
    const line8 = await service.context.tokens.sign(
      apiTokenClaims({
        subject: "shared-station",
        roles: ["issuer"],
        devicePrefix: "line8-",
        lifetimeSeconds: 600,
        now: clock.now(),
        tokenId: randomUUID(),
      }),
    );
    const { csrPem } = await opensslCsr(dataDir, "/CN=line7-replayed");
    const first = await post(service, "/v1/certificates", { csr: csrPem }, "shared-key-1", line7);
    expect(first.status).toBe(201);
    const replay = await post(service, "/v1/certificates", { csr: csrPem }, "shared-key-1", line8);
    expect(replay.status).toBe(403);
    expect(replay.text).not.toContain(first.body.serialNumber);
    const credentials = await post(
      service,
      "/v1/credentials",
      { deviceId: "line7-cred" },
      "shared-key-2",
      line7,
    );
    expect(credentials.status).toBe(201);
    const credentialsReplay = await post(
      service,
      "/v1/credentials",
      { deviceId: "line7-cred" },
      "shared-key-2",
      line8,
    );
    expect(credentialsReplay.status).toBe(403);
    expect(credentialsReplay.text).not.toContain(credentials.body.serialNumber);
  });

  it("a bootstrap token's retry with its Idempotency-Key replays its certificate; any other use is 401", async ({
    service,
    dataDir,
  }) => {
    const minted = await post<BootstrapToken>(service, "/v1/bootstrap-tokens", { deviceId: "idem-boot" });
    const device = minted.body.token;
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-boot");
    const first = await post(service, "/v1/certificates", { csr: csrPem }, "boot-key", device);
    expect(first.status).toBe(201);
    const retry = await post(service, "/v1/certificates", { csr: csrPem }, "boot-key", device);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect((await post(service, "/v1/certificates", { csr: csrPem }, "another-key", device)).status).toBe(
      401,
    );
    expect((await post(service, "/v1/certificates", { csr: csrPem }, undefined, device)).status).toBe(401);
    expect(await rows(service, "idem-boot")).toHaveLength(1);
  });

  it("a used bootstrap token sent with its key and another body is 401, like any other use", async ({
    service,
    dataDir,
  }) => {
    const minted = await post<BootstrapToken>(service, "/v1/bootstrap-tokens", {
      deviceId: "idem-boot-body",
    });
    const device = minted.body.token;
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-boot-body");
    expect((await post(service, "/v1/certificates", { csr: csrPem }, "boot-body-key", device)).status).toBe(
      201,
    );
    const other = await post(
      service,
      "/v1/certificates",
      { csr: csrPem, validityDays: 30 },
      "boot-body-key",
      device,
    );
    expect({ status: other.status, code: other.problem?.code, detail: other.problem?.detail }).toEqual({
      status: 401,
      code: "token_used",
      detail: "token already used",
    });
    expect(await rows(service, "idem-boot-body")).toHaveLength(1);
  });

  it("bootstrap redemptions are matched per token: another token for the same device never replays the first's", async ({
    service,
    dataDir,
  }) => {
    const mint = async () =>
      (await post<BootstrapToken>(service, "/v1/bootstrap-tokens", { deviceId: "idem-boot-pair" })).body
        .token;
    const [first, second] = [await mint(), await mint()];
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-boot-pair");
    const byFirst = await post(service, "/v1/certificates", { csr: csrPem }, "pair-key", first);
    expect(byFirst.status).toBe(201);
    // Same device, same key, same body, but another token: a redemption of its own, not a replay.
    const bySecond = await post(service, "/v1/certificates", { csr: csrPem }, "pair-key", second);
    expect(bySecond.status).toBe(201);
    expect(bySecond.body.serialNumber).not.toBe(byFirst.body.serialNumber);
    // Each token's own retry replays its own certificate.
    const again = (token: string) => post(service, "/v1/certificates", { csr: csrPem }, "pair-key", token);
    expect((await again(first)).body.serialNumber).toBe(byFirst.body.serialNumber);
    expect((await again(second)).body.serialNumber).toBe(bySecond.body.serialNumber);
    expect(await rows(service, "idem-boot-pair")).toHaveLength(2);
  });

  it("a retry whose certificate was revoked since gets 409 naming the revocation, not the certificate", async ({
    service,
    dataDir,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-revoked");
    const first = await post(service, "/v1/certificates", { csr: csrPem }, "revoked-key");
    expect(first.status).toBe(201);
    const revoked = await post<CertificateRecord>(
      service,
      `/v1/certificates/${first.body.serialNumber}/revoke`,
      {
        reason: "keyCompromise",
      },
    );
    expect(revoked.status).toBe(200);
    const retry = await post(service, "/v1/certificates", { csr: csrPem }, "revoked-key");
    expect(retry.status).toBe(409);
    expect(retry.problem).toMatchObject({
      code: "already_revoked",
      serialNumber: first.body.serialNumber,
      revokedAt: revoked.body.revokedAt,
      revocationReason: "keyCompromise",
      detail: expect.stringContaining("ask again with a new key for a new certificate"),
    });
    expect(retry.text).not.toContain("BEGIN CERTIFICATE");
    expect(await rows(service, "idem-revoked")).toHaveLength(1);
  });

  it("a credentials retry that differs only in its PFX password is still the same request (409)", async ({
    service,
  }) => {
    const first = await post(
      service,
      "/v1/credentials",
      { deviceId: "idem-pfx", pfxPassword: "first one" },
      "pfx-key",
    );
    expect(first.status).toBe(201);
    const retry = await post(
      service,
      "/v1/credentials",
      { deviceId: "idem-pfx", pfxPassword: "another one" },
      "pfx-key",
    );
    expect(retry.status).toBe(409);
    expect(retry.problem.serialNumber).toBe(first.body.serialNumber);
    expect(await rows(service, "idem-pfx")).toHaveLength(1);
  });

  it("the same key with another body: 422, nothing issued", async ({ service }) => {
    await post(service, "/v1/credentials", { deviceId: "idem-a" }, "key-reused");
    const other = await post(service, "/v1/credentials", { deviceId: "idem-b" }, "key-reused");
    expect(other.status).toBe(422);
    expect(other.headers.get("content-type")).toContain("application/problem+json");
    expect(other.problem).toMatchObject({
      code: "idempotency_conflict",
      detail:
        "this Idempotency-Key was already used with a different request; use a new key for a new request",
    });
    expect(await rows(service, "idem-b")).toHaveLength(0);
  });

  it("the same key on another endpoint is another request: 422", async ({ service, dataDir }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-cross");
    await post(service, "/v1/certificates", { csr: csrPem }, "key-cross");
    expect(
      (await post(service, "/v1/bootstrap-tokens", { deviceId: "idem-cross" }, "key-cross")).status,
    ).toBe(422);
  });

  it("keys belong to their caller: another caller's same key is a new request", async ({ service }) => {
    const other = await service.token(["issuer"], { subject: "other-line" });
    const mine = await post(service, "/v1/credentials", { deviceId: "idem-caller" }, "shared-key");
    const theirs = await post(service, "/v1/credentials", { deviceId: "idem-caller" }, "shared-key", other);
    expect(mine.status).toBe(201);
    expect(theirs.status).toBe(201);
    expect(theirs.body.serialNumber).not.toBe(mine.body.serialNumber);
  });

  it("credentials: a retry gets 409 with the serial number; the private key is never stored", async ({
    service,
  }) => {
    const first = await post(
      service,
      "/v1/credentials",
      { deviceId: "idem-creds", pfxPassword: "pfx pass" },
      "creds-1",
    );
    expect(first.status).toBe(201);
    expect(first.body.privateKeyPem).toContain("BEGIN PRIVATE KEY");
    const retry = await post(
      service,
      "/v1/credentials",
      { deviceId: "idem-creds", pfxPassword: "pfx pass" },
      "creds-1",
    );
    expect(retry.status).toBe(409);
    expect(retry.problem).toMatchObject({
      code: "credentials_already_issued",
      detail: `credentials already issued for this key; the private key is returned only once (serial number ${first.body.serialNumber})`,
    });
    // The serial number is also a problem extension member, for clients that act on it.
    expect(retry.problem.serialNumber).toBe(first.body.serialNumber);
    expect(retry.text).not.toContain("PRIVATE KEY");
    const stored = await service.context.store.findIdempotencyRecord(
      await callerOf(service, service.adminToken),
      "creds-1",
    );
    expect(stored?.body).toMatchObject({ serialNumber: first.body.serialNumber });
    expect(JSON.stringify(stored)).not.toContain("PRIVATE KEY");
    expect(stored?.body).not.toHaveProperty("pfxBase64");
    expect(await rows(service, "idem-creds")).toHaveLength(1);
  });

  it("concurrent identical retries issue once and all answer with the same serial", async ({
    service,
    dataDir,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-race");
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post(service, "/v1/certificates", { csr: csrPem }, "race-key")),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(201));
    expect(new Set(responses.map((response) => response.body.serialNumber)).size).toBe(1);
    expect(await rows(service, "idem-race")).toHaveLength(1);
  });

  it("bootstrap tokens: a retry gets the same one-time token (same jti and expiry), still usable once", async ({
    service,
    dataDir,
  }) => {
    const first = await post<BootstrapToken>(
      service,
      "/v1/bootstrap-tokens",
      { deviceId: "idem-boot" },
      "boot-key",
    );
    const retry = await post<BootstrapToken>(
      service,
      "/v1/bootstrap-tokens",
      { deviceId: "idem-boot" },
      "boot-key",
    );
    expect(retry.status).toBe(201);
    expect(retry.body.expiresAt).toBe(first.body.expiresAt);
    expect(decodeJwt(retry.body.token).jti).toBe(decodeJwt(first.body.token).jti);
    const stored = await service.context.store.findIdempotencyRecord(
      await callerOf(service, service.adminToken),
      "boot-key",
    );
    expect(JSON.stringify(stored)).not.toContain(first.body.token);
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-boot");
    expect(
      (await post(service, "/v1/certificates", { csr: csrPem }, undefined, first.body.token)).status,
    ).toBe(201);
    const again = await post(service, "/v1/certificates", { csr: csrPem }, undefined, retry.body.token);
    expect(again.status).toBe(401);
    expect(again.problem.detail).toBe("token already used");
  });

  it("a device retrying its redemption with the same key gets its certificate again", async ({
    service,
    dataDir,
  }) => {
    const minted = await post<BootstrapToken>(service, "/v1/bootstrap-tokens", { deviceId: "idem-device" });
    const { csrPem } = await opensslCsr(dataDir, "/CN=idem-device");
    const first = await post(
      service,
      "/v1/certificates",
      { csr: csrPem },
      "device-attempt",
      minted.body.token,
    );
    const retry = await post(
      service,
      "/v1/certificates",
      { csr: csrPem },
      "device-attempt",
      minted.body.token,
    );
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body.serialNumber).toBe(first.body.serialNumber);
  });

  it("refuses a malformed key with 400", async ({ service }) => {
    for (const key of ["has space", "x".repeat(256), "tab\tkey"]) {
      const response = await post(service, "/v1/credentials", { deviceId: "idem-bad-key" }, key);
      expect(response.status).toBe(400);
      expect(response.problem.errors).toEqual([
        { field: "Idempotency-Key", message: "Idempotency-Key must be 1 to 255 visible ASCII characters" },
      ]);
    }
    expect(await rows(service, "idem-bad-key")).toHaveLength(0);
  });

  it("keys are kept 24 hours: after that the same key issues anew and the old record is purged", async ({
    service,
    clock,
  }) => {
    const first = await post(service, "/v1/credentials", { deviceId: "idem-old" }, "old-key");
    clock.advance(25 * HOUR_MS);
    const later = await post(service, "/v1/credentials", { deviceId: "idem-old" }, "old-key");
    expect(later.status).toBe(201);
    expect(later.body.serialNumber).not.toBe(first.body.serialNumber);
    const stored = await service.context.store.findIdempotencyRecord(
      await callerOf(service, service.adminToken),
      "old-key",
    );
    expect(stored?.body).toMatchObject({ serialNumber: later.body.serialNumber });
  });
});

import type { AuditPage, BootstrapToken, IssuedCertificate } from "@edge-pki/api-contract";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect } from "vitest";
import { BOOTSTRAP_AUDIENCE, OWN_ISSUER } from "../src/core/token-claims.js";
import { redeemAtOnce } from "./support/bootstrap-tokens.js";
import { it } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

async function mint(service: TestService, deviceId: string, extra: Record<string, unknown> = {}) {
  const response = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
    body: { deviceId, ...extra },
    token: service.adminToken,
  });
  expect(response.status).toBe(201);
  return response.body;
}

const redeem = (service: TestService, token: string, body: Record<string, unknown>) =>
  call<IssuedCertificate>(`${service.url}/v1/certificates`, { body, token });

const certificatesOf = (service: TestService, deviceId: string) =>
  service.context.store.listByDevice(deviceId, { limit: 100 });

describe("minting bootstrap tokens", () => {
  it("a one-time JWT for the device: sub, unique jti, issuance audience, 15 minutes by default", async ({
    service,
  }) => {
    const first = await mint(service, "boot-claims");
    const second = await mint(service, "boot-claims");
    const claims = decodeJwt(first.token);
    expect(decodeProtectedHeader(first.token)).toMatchObject({ alg: "ES256", typ: "JWT" });
    expect(claims).toMatchObject({
      iss: OWN_ISSUER,
      sub: "boot-claims",
      aud: BOOTSTRAP_AUDIENCE,
      roles: ["device-bootstrap"],
    });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    expect(new Date(first.expiresAt).getTime()).toBe((claims.exp as number) * 1000);
    expect(decodeJwt(second.token).jti).not.toBe(claims.jti);
  });

  it("honours ttlSeconds up to 24 hours and refuses more", async ({ service }) => {
    const day = await mint(service, "boot-ttl", { ttlSeconds: 86_400 });
    const claims = decodeJwt(day.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(86_400);
    const tooLong = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "boot-ttl", ttlSeconds: 86_401 },
      token: service.adminToken,
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors?.[0]?.field).toBe("ttlSeconds");
  });

  it("refuses an invalid device ID", async ({ service }) => {
    const response = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "not a device id" },
      token: service.adminToken,
    });
    expect(response.status).toBe(400);
  });

  it("is audited with the token id, never the token", async ({ service }) => {
    const { token } = await mint(service, "boot-audited");
    const page = await call<AuditPage>(`${service.url}/v1/audit?limit=1000`, { token: service.adminToken });
    const entry = page.body.items.find(
      (item) => item.action === "bootstrap-token.create" && item.target === "boot-audited",
    );
    expect(entry).toMatchObject({ actor: "token:local-admin", outcome: "success" });
    expect(entry?.details?.tokenId).toBe(decodeJwt(token).jti);
    expect(page.text).not.toContain(token);
  });
});

describe("redeeming a bootstrap token", () => {
  it("issues one certificate for its device, then answers 401 token already used", async ({
    service,
    dataDir,
  }) => {
    const { token } = await mint(service, "boot-once");
    const { csrPem } = await opensslCsr(dataDir, "/CN=boot-once");
    const first = await redeem(service, token, { csr: csrPem });
    expect(first.status).toBe(201);
    expect(first.body.deviceId).toBe("boot-once");
    const second = await redeem(service, token, { csr: csrPem });
    expect(second.status).toBe(401);
    expect(second.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-pki", error="invalid_token", error_description="token already used"',
    );
    expect(second.problem).toMatchObject({ code: "token_used", detail: "token already used" });
    const records = await certificatesOf(service, "boot-once");
    expect(records).toHaveLength(1);
    expect(records[0]?.requester).toBe("device:boot-once");
  });

  it("a bootstrap token for a device named local-admin is recorded as that device, not as our admin", async ({
    service,
    dataDir,
  }) => {
    const { token } = await mint(service, "local-admin");
    const { csrPem } = await opensslCsr(dataDir, "/CN=local-admin");
    expect((await redeem(service, token, { csr: csrPem })).status).toBe(201);
    expect((await redeem(service, token, { csr: csrPem })).status).toBe(401);
    expect((await certificatesOf(service, "local-admin"))[0]?.requester).toBe("device:local-admin");
    const audit = await service.context.store.listAudit({ limit: 1000 });
    const byDevice = audit.filter((event) => event.actor === "device:local-admin").map((e) => e.action);
    expect(byDevice).toEqual(["certificate.issue", "auth.failure"]);
    expect(audit.filter((event) => event.actor === "local-admin")).toEqual([]);
  });

  it("20 redemptions in parallel: exactly one 201, the others 401", async ({ service, dataDir }) => {
    const { token } = await mint(service, "boot-race");
    const { csrPem } = await opensslCsr(dataDir, "/CN=boot-race");
    const responses = await redeemAtOnce([service], token, csrPem, 20);
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(401)]);
    for (const refused of responses.filter((response) => response.status === 401)) {
      expect(refused.problem.detail).toBe("token already used");
    }
    expect(await certificatesOf(service, "boot-race")).toHaveLength(1);
  });

  it("refuses a CSR for another device ID (403) and stays redeemable for its own", async ({
    service,
    dataDir,
  }) => {
    const { token } = await mint(service, "boot-mine");
    const { csrPem } = await opensslCsr(dataDir, "/CN=boot-theirs");
    const other = await redeem(service, token, { csr: csrPem });
    expect(other.status).toBe(403);
    expect(other.problem.detail).toBe("this bootstrap token is for device boot-mine, not boot-theirs");
    expect(await certificatesOf(service, "boot-theirs")).toHaveLength(0);
    const { csrPem: own } = await opensslCsr(dataDir, "/CN=boot-mine");
    expect((await redeem(service, token, { csr: own })).status).toBe(201);
  });

  it("cannot be used on /v1/credentials, nor anywhere else", async ({ service }) => {
    const { token } = await mint(service, "boot-creds");
    const credentials = await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "boot-creds" },
      token,
    });
    expect(credentials.status).toBe(403);
    expect(credentials.body.detail).toBe("the token lacks the permission certificates:issue");
    expect((await call(`${service.url}/v1/devices/boot-creds/certificates`, { token })).status).toBe(403);
    expect(
      (await call(`${service.url}/v1/bootstrap-tokens`, { body: { deviceId: "boot-creds" }, token })).status,
    ).toBe(403);
    expect(await certificatesOf(service, "boot-creds")).toHaveLength(0);
  });

  it("an expired bootstrap token is refused", async ({ service, dataDir }) => {
    const { token } = await mint(service, "boot-late");
    const claims = decodeJwt(token) as Parameters<TestService["context"]["tokens"]["sign"]>[0];
    const expired = await service.context.tokens.sign({
      ...claims,
      iat: claims.iat - 7200,
      exp: claims.iat - 3600,
    });
    const { csrPem } = await opensslCsr(dataDir, "/CN=boot-late");
    const response = await redeem(service, expired, { csr: csrPem });
    expect(response.status).toBe(401);
    expect(response.problem.detail).toBe("the token has expired");
  });

  it("a redemption with a failure before recording (bad validity) does not use the token up", async ({
    service,
    dataDir,
  }) => {
    const { token } = await mint(service, "boot-retry");
    const { csrPem } = await opensslCsr(dataDir, "/CN=boot-retry");
    const refused = await redeem(service, token, { csr: csrPem, validityDays: 99_999 });
    expect(refused.status).toBe(400);
    expect((await redeem(service, token, { csr: csrPem })).status).toBe(201);
  });
});

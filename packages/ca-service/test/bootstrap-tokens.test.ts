import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOTSTRAP_AUDIENCE, OWN_ISSUER } from "../src/core/token-claims.js";
import { opensslCsr, type TempDir, tempDir } from "./support/openssl.js";
import { call, startTestService, type TestService } from "./support/service.js";

let service: TestService;
let dir: TempDir;

beforeAll(async () => {
  service = await startTestService();
  dir = await tempDir();
});

afterAll(async () => {
  await service.dispose();
  await dir.remove();
});

async function mint(deviceId: string, extra: Record<string, unknown> = {}) {
  const response = await call(`${service.url}/v1/bootstrap-tokens`, {
    body: { deviceId, ...extra },
    token: service.adminToken,
  });
  expect(response.status).toBe(201);
  return response.body as { token: string; expiresAt: string };
}

const redeem = (token: string, body: Record<string, unknown>) =>
  call(`${service.url}/v1/certificates`, { body, token });

const certificatesOf = (deviceId: string) => service.context.store.listByDevice(deviceId, { limit: 100 });

describe("minting bootstrap tokens", () => {
  it("a one-time JWT for the device: sub, unique jti, issuance audience, 15 minutes by default", async () => {
    const first = await mint("boot-claims");
    const second = await mint("boot-claims");
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

  it("honours ttlSeconds up to 24 hours and refuses more", async () => {
    const day = await mint("boot-ttl", { ttlSeconds: 86_400 });
    const claims = decodeJwt(day.token);
    expect((claims.exp as number) - (claims.iat as number)).toBe(86_400);
    const tooLong = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "boot-ttl", ttlSeconds: 86_401 },
      token: service.adminToken,
    });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors[0].field).toBe("ttlSeconds");
  });

  it("refuses an invalid device ID", async () => {
    const response = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "not a device id" },
      token: service.adminToken,
    });
    expect(response.status).toBe(400);
  });

  it("is audited with the token id, never the token", async () => {
    const { token } = await mint("boot-audited");
    const page = await call(`${service.url}/v1/audit?limit=1000`, { token: service.adminToken });
    const entry = page.body.items.find(
      (item: { action: string; target: string }) =>
        item.action === "bootstrap-token.create" && item.target === "boot-audited",
    );
    expect(entry).toMatchObject({ actor: "token:local-admin", outcome: "success" });
    expect(entry.details.tokenId).toBe(decodeJwt(token).jti);
    expect(page.text).not.toContain(token);
  });
});

describe("redeeming a bootstrap token", () => {
  it("issues one certificate for its device, then answers 401 token already used", async () => {
    const { token } = await mint("boot-once");
    const { csrPem } = await opensslCsr(dir, "/CN=boot-once");
    const first = await redeem(token, { csr: csrPem });
    expect(first.status).toBe(201);
    expect(first.body.deviceId).toBe("boot-once");
    const second = await redeem(token, { csr: csrPem });
    expect(second.status).toBe(401);
    expect(second.headers.get("www-authenticate")).toBe(
      'Bearer realm="edge-pki", error="invalid_token", error_description="token already used"',
    );
    expect(second.body).toMatchObject({ code: "token_used", detail: "token already used" });
    const records = await certificatesOf("boot-once");
    expect(records).toHaveLength(1);
    expect(records[0]?.requester).toBe("device:boot-once");
  });

  it("a bootstrap token for a device named local-admin is recorded as that device, not as our admin", async () => {
    const { token } = await mint("local-admin");
    const { csrPem } = await opensslCsr(dir, "/CN=local-admin");
    expect((await redeem(token, { csr: csrPem })).status).toBe(201);
    expect((await redeem(token, { csr: csrPem })).status).toBe(401);
    expect((await certificatesOf("local-admin"))[0]?.requester).toBe("device:local-admin");
    const audit = await service.context.store.listAudit({ limit: 1000 });
    const byDevice = audit.filter((event) => event.actor === "device:local-admin").map((e) => e.action);
    expect(byDevice).toEqual(["certificate.issue", "auth.failure"]);
    expect(audit.filter((event) => event.actor === "local-admin")).toEqual([]);
  });

  it("20 redemptions in parallel: exactly one 201, the others 401", async () => {
    const { token } = await mint("boot-race");
    const { csrPem } = await opensslCsr(dir, "/CN=boot-race");
    const responses = await Promise.all(Array.from({ length: 20 }, () => redeem(token, { csr: csrPem })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, ...Array(19).fill(401)]);
    for (const refused of responses.filter((response) => response.status === 401)) {
      expect(refused.body.detail).toBe("token already used");
    }
    expect(await certificatesOf("boot-race")).toHaveLength(1);
  });

  it("refuses a CSR for another device ID (403) and stays redeemable for its own", async () => {
    const { token } = await mint("boot-mine");
    const { csrPem } = await opensslCsr(dir, "/CN=boot-theirs");
    const other = await redeem(token, { csr: csrPem });
    expect(other.status).toBe(403);
    expect(other.body.detail).toBe("this bootstrap token is for device boot-mine, not boot-theirs");
    expect(await certificatesOf("boot-theirs")).toHaveLength(0);
    const { csrPem: own } = await opensslCsr(dir, "/CN=boot-mine");
    expect((await redeem(token, { csr: own })).status).toBe(201);
  });

  it("cannot be used on /v1/credentials, nor anywhere else", async () => {
    const { token } = await mint("boot-creds");
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
    expect(await certificatesOf("boot-creds")).toHaveLength(0);
  });

  it("an expired bootstrap token is refused", async () => {
    const { token } = await mint("boot-late");
    const claims = decodeJwt(token) as Parameters<typeof service.context.tokens.sign>[0];
    const expired = await service.context.tokens.sign({
      ...claims,
      iat: claims.iat - 7200,
      exp: claims.iat - 3600,
    });
    const { csrPem } = await opensslCsr(dir, "/CN=boot-late");
    const response = await redeem(expired, { csr: csrPem });
    expect(response.status).toBe(401);
    expect(response.body.detail).toBe("the token has expired");
  });

  it("a redemption with a failure before recording (bad validity) does not use the token up", async () => {
    const { token } = await mint("boot-retry");
    const { csrPem } = await opensslCsr(dir, "/CN=boot-retry");
    const refused = await redeem(token, { csr: csrPem, validityDays: 99_999 });
    expect(refused.status).toBe(400);
    expect((await redeem(token, { csr: csrPem })).status).toBe(201);
  });
});

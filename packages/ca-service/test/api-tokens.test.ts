import type { ApiToken, ApiTokenList } from "@edge-pki/api-contract";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { runCli } from "./support/cli.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

// The service and its replica (same data folder, so the same SQLite file) run on the file's clock,
// which tests move forward for the replica to refresh its list of revoked tokens.
test.override("serviceOptions", ({ clock }) => ({ clock }));

const listTokens = async (service: TestService) => {
  const response = await call<ApiTokenList>(`${service.url}/v1/tokens?limit=1000`, {
    token: service.adminToken,
  });
  expect(response.status).toBe(200);
  return response.body.items;
};
const revokeToken = (service: TestService, tokenId: string, token = service.adminToken) =>
  call<ApiToken>(`${service.url}/v1/tokens/${tokenId}/revoke`, { method: "POST", token });
const readAudit = (target: TestService, token: string) => call(`${target.url}/v1/audit?limit=1`, { token });

describe("the token registry", () => {
  it("lists every token minted, newest first, with what it may do and never the token itself", async ({
    service,
  }) => {
    const token = await service.token(["issuer"], { devicePrefix: "line9-", subject: "line9" });
    const { jti } = decodeJwt(token);
    const items = await listTokens(service);
    expect(items[0]).toEqual({
      tokenId: jti,
      subject: "line9",
      roles: ["issuer"],
      devicePrefix: "line9-",
      rateLimitPerMinute: null,
      mintedAt: expect.any(String),
      mintedBy: "test",
      expiresAt: new Date((decodeJwt(token).exp as number) * 1000).toISOString(),
      status: "live",
      revokedAt: null,
      revokedBy: null,
    });
    // The first admin token, minted on first start, is on record too.
    expect(items).toContainEqual(
      expect.objectContaining({ subject: "local-admin", roles: ["admin"], status: "live" }),
    );
    expect(JSON.stringify(items)).not.toContain(token);
    expect(JSON.stringify(items)).not.toContain(service.adminToken);
  });

  it("revokes a token: refused at once here, on every other replica once its list is refreshed", async ({
    service,
    replica,
    clock,
  }) => {
    const token = await service.token(["reader"], { subject: "leaked-reader" });
    const { jti } = decodeJwt(token);
    expect((await readAudit(service, token)).status).toBe(200);
    expect((await readAudit(replica, token)).status).toBe(200);

    const revoked = await revokeToken(service, jti as string);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ tokenId: jti, status: "revoked", revokedBy: "token:local-admin" });
    const here = await readAudit(service, token);
    expect({ status: here.status, detail: here.body.detail }).toEqual({
      status: 401,
      detail: "the token has been revoked",
    });
    expect(here.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // The other replica re-reads its list when it is two seconds old (by its clock).
    clock.advance(2_001);
    expect((await readAudit(replica, token)).status).toBe(401);
  });

  it("revoking again changes nothing; an unknown id is 404; only admins may list or revoke", async ({
    service,
  }) => {
    const token = await service.token(["issuer"], { subject: "revoked-twice" });
    const { jti } = decodeJwt(token);
    const first = await revokeToken(service, jti as string);
    const auditBefore = (await service.context.store.listAudit({ limit: 100_000 })).length;
    const again = await revokeToken(service, jti as string);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await service.context.store.listAudit({ limit: 100_000 })).length).toBe(auditBefore);
    const audit = await service.context.store.listAudit({ limit: 100_000 });
    expect(audit.filter((event) => event.action === "token.revoke" && event.target === jti)).toEqual([
      expect.objectContaining({ actor: "token:local-admin", outcome: "success" }),
    ]);

    expect((await revokeToken(service, "no-such-token")).status).toBe(404);
    expect((await revokeToken(service, "bad token id!")).status).toBe(400);
    const reader = await service.token(["reader"]);
    expect((await call(`${service.url}/v1/tokens`, { token: reader })).status).toBe(403);
    expect((await revokeToken(service, jti as string, reader)).status).toBe(403);
  });

  it("revoking a token voids the bootstrap tokens it minted, which never outlive it", async ({
    service,
    replica,
    clock,
    dataDir,
  }) => {
    const issuer = await service.token(["issuer"], { subject: "leaky-line" });
    const mint = async (deviceId: string, ttlSeconds: number) => {
      const minted = await call<{ token: string; expiresAt: string }>(`${service.url}/v1/bootstrap-tokens`, {
        token: issuer,
        body: { deviceId, ttlSeconds },
      });
      expect(minted.status).toBe(201);
      return minted.body;
    };
    const redeem = async (target: TestService, token: string, deviceId: string) =>
      call(`${target.url}/v1/certificates`, {
        token,
        body: { csr: (await opensslCsr(dataDir, `/CN=${deviceId}`)).csrPem },
      });

    const before = await mint("after-revoke-0", 86_400);
    expect(decodeJwt(before.token)).toMatchObject({ minted_by: decodeJwt(issuer).jti });
    const kept = await mint("after-revoke-1", 86_400);
    expect((await redeem(service, before.token, "after-revoke-0")).status).toBe(201);

    expect((await revokeToken(service, decodeJwt(issuer).jti as string)).status).toBe(200);
    const here = await redeem(service, kept.token, "after-revoke-1");
    expect({ status: here.status, detail: here.body.detail }).toEqual({
      status: 401,
      detail: "the token that minted this bootstrap token has been revoked",
    });
    clock.advance(2_001);
    expect((await redeem(replica, kept.token, "after-revoke-1")).status).toBe(401);
    expect(await service.context.store.listByDevice("after-revoke-1", { limit: 10 })).toEqual([]);

    // A revocation is remembered until the revoked token expires, so nothing it mints lives longer.
    const shortLived = await service.token(["issuer"], { subject: "short-line" });
    const left = (decodeJwt(shortLived).exp as number) * 1000 - clock.now().getTime();
    const capped = await call<{ expiresAt: string }>(`${service.url}/v1/bootstrap-tokens`, {
      token: shortLived,
      body: { deviceId: "capped-1", ttlSeconds: 86_400 },
    });
    expect(capped.status).toBe(201);
    expect(new Date(capped.body.expiresAt).getTime()).toBeLessThanOrEqual(
      (decodeJwt(shortLived).exp as number) * 1000,
    );
    expect(left).toBeLessThan(86_400_000);
  });

  it("a subject holds one live token: another is refused until the first is revoked or expires", async ({
    service,
  }) => {
    await service.token(["issuer"], { subject: "line-one" });
    await expect(service.token(["issuer"], { subject: "line-one" })).rejects.toMatchObject({
      code: "token_subject_in_use",
      message: expect.stringMatching(
        /^the subject line-one already has a live token \(.+\): revoke it first/,
      ),
    });
    const [live] = (await listTokens(service)).filter((item) => item.subject === "line-one");
    await revokeToken(service, live?.tokenId as string);
    const next = await service.token(["issuer"], { subject: "line-one" });
    expect(decodeJwt(next).sub).toBe("line-one");
  });

  // Tokens that verified are remembered by their text (VerifiedTokenCache); nothing about a token
  // that changes with time may be served from there.
  it("a token accepted before is refused once it expires, and its altered copies never pass", async ({
    service,
    clock,
  }) => {
    const token = await service.token(["reader"], { subject: "expiring-reader" });
    expect((await readAudit(service, token)).status).toBe(200);
    expect((await readAudit(service, token)).status).toBe(200);
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const flipped = `${signature.slice(0, -2)}${signature.at(-2) === "A" ? "B" : "A"}${signature.at(-1)}`;
    expect((await readAudit(service, `${header}.${payload}.${flipped}`)).status).toBe(401);

    // Past exp and the 60 s leeway by the service's clock.
    const left = (decodeJwt(token).exp as number) * 1000 - clock.now().getTime();
    clock.advance(left + 61_000);
    const expired = await readAudit(service, token);
    expect({ status: expired.status, detail: expired.body.detail }).toEqual({
      status: 401,
      detail: "the token has expired",
    });
  });
});

describe("edge-pki-ca token list and token revoke", () => {
  // The CLI on the running service's data folder, as an operator would run it beside the service.
  const env = (service: TestService) => ({
    EDGE_PKI_DATA_DIR: service.dataDir,
    EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
  });

  it("list shows the tokens; revoke revokes one, which the running service then refuses", async ({
    service,
    clock,
  }) => {
    const token = await service.token(["reader"], { subject: "cli-listed" });
    const { jti } = decodeJwt(token);
    const table = await runCli(["token", "list"], env(service));
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^TOKEN ID\s+SUBJECT\s+ROLES\s+PREFIX\s+RATE LIMIT\s+EXPIRES\s+STATUS$/,
    );
    expect(table.stdout).toMatch(
      new RegExp(`${jti}\\s+cli-listed\\s+reader\\s+-\\s+default\\s+\\S+\\s+live`),
    );
    const json = await runCli(["token", "list", "--json"], env(service));
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ tokenId: jti, subject: "cli-listed" }),
    );

    const revoked = await runCli(["token", "revoke", jti as string], env(service));
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`revoked token ${jti} (subject cli-listed)`),
    });
    clock.advance(2_001);
    expect((await readAudit(service, token)).status).toBe(401);
    const audit = await service.context.store.listAudit({ limit: 100_000 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "token.revoke", target: jti, actor: "edge-pki-ca token revoke" }),
    );
  });

  it("create refuses a subject in use, such as local-admin, in one line with exit 1", async ({ service }) => {
    const refused = await runCli(
      ["token", "create", "--role", "admin", "--subject", "local-admin"],
      env(service),
    );
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /^edge-pki-ca: the subject local-admin already has a live token \(.+\): revoke it first \(edge-pki-ca token revoke .+\) or choose another subject\n$/,
    );
  });

  it("revoke names a token it does not know, and refuses what is not a token id", async ({ service }) => {
    expect(await runCli(["token", "revoke", "unknown-id"], env(service))).toMatchObject({
      code: 1,
      stderr: "edge-pki-ca: no token with id unknown-id was minted here\n",
    });
    expect((await runCli(["token", "revoke", "not a jti"], env(service))).code).toBe(2);
  });
});

import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "./support/cli.js";
import { fakeClock } from "./support/clock.js";
import { call, startTestService, type TestService } from "./support/service.js";

const clock = fakeClock();
let service: TestService;
let replica: TestService;

beforeAll(async () => {
  service = await startTestService({ clock });
  // A second replica on the same data folder and SQLite file, with the same clock.
  replica = await startTestService({ clock, dataDir: service.dataDir });
});

afterAll(async () => {
  await replica.stop();
  await service.dispose();
});

const listTokens = async (target: TestService = service) => {
  const response = await call(`${target.url}/v1/tokens?limit=1000`, { token: service.adminToken });
  expect(response.status).toBe(200);
  return response.body.items as Array<Record<string, unknown>>;
};
const revokeToken = (tokenId: string, token = service.adminToken) =>
  call(`${service.url}/v1/tokens/${tokenId}/revoke`, { method: "POST", token });
const readAudit = (token: string, target: TestService = service) =>
  call(`${target.url}/v1/audit?limit=1`, { token });

describe("the token registry", () => {
  it("lists every token minted, newest first, with what it may do and never the token itself", async () => {
    const token = await service.token(["issuer"], { devicePrefix: "line9-", subject: "line9" });
    const { jti } = decodeJwt(token);
    const items = await listTokens();
    expect(items[0]).toEqual({
      tokenId: jti,
      subject: "line9",
      roles: ["issuer"],
      devicePrefix: "line9-",
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

  it("revokes a token: refused at once here, on every other replica once its list is refreshed", async () => {
    const token = await service.token(["reader"], { subject: "leaked-reader" });
    const { jti } = decodeJwt(token);
    expect((await readAudit(token)).status).toBe(200);
    expect((await readAudit(token, replica)).status).toBe(200);

    const revoked = await revokeToken(jti as string);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ tokenId: jti, status: "revoked", revokedBy: "token:local-admin" });
    const here = await readAudit(token);
    expect({ status: here.status, detail: here.body.detail }).toEqual({
      status: 401,
      detail: "the token has been revoked",
    });
    expect(here.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // The other replica re-reads its list when it is two seconds old (by its clock).
    clock.advance(2_001);
    expect((await readAudit(token, replica)).status).toBe(401);
  });

  it("revoking again changes nothing; an unknown id is 404; only admins may list or revoke", async () => {
    const token = await service.token(["issuer"], { subject: "revoked-twice" });
    const { jti } = decodeJwt(token);
    const first = await revokeToken(jti as string);
    const auditBefore = (await service.context.store.listAudit({ limit: 100_000 })).length;
    const again = await revokeToken(jti as string);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await service.context.store.listAudit({ limit: 100_000 })).length).toBe(auditBefore);
    const audit = await service.context.store.listAudit({ limit: 100_000 });
    expect(audit.filter((event) => event.action === "token.revoke" && event.target === jti)).toEqual([
      expect.objectContaining({ actor: "token:local-admin", outcome: "success" }),
    ]);

    expect((await revokeToken("no-such-token")).status).toBe(404);
    expect((await revokeToken("bad token id!")).status).toBe(400);
    const reader = await service.token(["reader"]);
    expect((await call(`${service.url}/v1/tokens`, { token: reader })).status).toBe(403);
    expect((await revokeToken(jti as string, reader)).status).toBe(403);
  });

  it("a subject holds one live token: another is refused until the first is revoked or expires", async () => {
    await service.token(["issuer"], { subject: "line-one" });
    await expect(service.token(["issuer"], { subject: "line-one" })).rejects.toMatchObject({
      code: "token_subject_in_use",
      message: expect.stringMatching(
        /^the subject line-one already has a live token \(.+\): revoke it first/,
      ),
    });
    const [live] = (await listTokens()).filter((item) => item.subject === "line-one");
    await revokeToken(live?.tokenId as string);
    const next = await service.token(["issuer"], { subject: "line-one" });
    expect(decodeJwt(next).sub).toBe("line-one");
  });
});

describe("edge-pki-ca token list and token revoke", () => {
  const env = () => ({
    EDGE_PKI_DATA_DIR: service.dataDir,
    EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
  });

  it("list shows the tokens; revoke revokes one, which the running service then refuses", async () => {
    const token = await service.token(["reader"], { subject: "cli-listed" });
    const { jti } = decodeJwt(token);
    const table = await runCli(["token", "list"], env());
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^TOKEN ID\s+SUBJECT\s+ROLES\s+PREFIX\s+EXPIRES\s+STATUS$/);
    expect(table.stdout).toMatch(new RegExp(`${jti}\\s+cli-listed\\s+reader\\s+-\\s+\\S+\\s+live`));
    const json = await runCli(["token", "list", "--json"], env());
    expect(JSON.parse(json.stdout)).toContainEqual(
      expect.objectContaining({ tokenId: jti, subject: "cli-listed" }),
    );

    const revoked = await runCli(["token", "revoke", jti as string], env());
    expect(revoked).toMatchObject({
      code: 0,
      stdout: expect.stringContaining(`revoked token ${jti} (subject cli-listed)`),
    });
    clock.advance(2_001);
    expect((await readAudit(token)).status).toBe(401);
    const audit = await service.context.store.listAudit({ limit: 100_000 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "token.revoke", target: jti, actor: "edge-pki-ca token revoke" }),
    );
  });

  it("create refuses a subject in use, such as local-admin, in one line with exit 1", async () => {
    const refused = await runCli(["token", "create", "--role", "admin", "--subject", "local-admin"], env());
    expect(refused.code).toBe(1);
    expect(refused.stdout).toBe("");
    expect(refused.stderr).toMatch(
      /^edge-pki-ca: the subject local-admin already has a live token \(.+\): revoke it first \(edge-pki-ca token revoke .+\) or choose another subject\n$/,
    );
  });

  it("revoke names a token it does not know, and refuses what is not a token id", async () => {
    expect(await runCli(["token", "revoke", "unknown-id"], env())).toMatchObject({
      code: 1,
      stderr: "edge-pki-ca: no token with id unknown-id was minted here\n",
    });
    expect((await runCli(["token", "revoke", "not a jti"], env())).code).toBe(2);
  });
});

import { createPublicKey, type JsonWebKey, randomUUID } from "node:crypto";
import type { AuditEntry, AuditPage, CertificateRecord, IssuedCredentials } from "@edge-pki/api-contract";
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK, SignJWT } from "jose";
import { describe, expect } from "vitest";
import { API_AUDIENCE, OWN_ISSUER } from "../src/core/token-claims.js";
import { test } from "./support/fixtures.js";
import { hmacToken, unsignedToken } from "./support/forged-tokens.js";
import type { OpenApiDocument } from "./support/openapi.js";
import { opensslCsr } from "./support/openssl.js";
import { type Answer, call, type TestService } from "./support/service.js";

// A line's station token, confined to its devices' prefix: one for the file, since a subject holds
// one live token.
const it = test.extend("line7", { scope: "file" }, ({ service }) =>
  service.token(["issuer"], { devicePrefix: "line7-", subject: "line7-station" }),
);

const CHALLENGE = (description: string) =>
  `Bearer realm="edge-pki", error="invalid_token", error_description="${description}"`;

const now = () => Math.floor(Date.now() / 1000);

/** Claims of a valid admin token from our issuer; tests change one thing at a time. */
function adminClaims(overrides: Record<string, unknown> = {}) {
  return {
    iss: OWN_ISSUER,
    sub: "forger",
    aud: API_AUDIENCE,
    iat: now(),
    exp: now() + 600,
    jti: randomUUID(),
    roles: ["admin"],
    ...overrides,
  };
}

const signOwn = (service: TestService, claims: Record<string, unknown>) =>
  service.context.tokens.sign(claims as Parameters<TestService["context"]["tokens"]["sign"]>[0]);

/** A protected endpoint that needs no body: listing the audit log (admin may). */
const probe = (service: TestService, token?: string) =>
  call<AuditPage>(`${service.url}/v1/audit?limit=1`, token === undefined ? {} : { token });

/** Our issuer's one public key, as the JWKS publishes it. */
async function ourJwk(service: TestService): Promise<JWK> {
  const { body } = await call<JSONWebKeySet>(`${service.url}/.well-known/jwks.json`);
  expect(body.keys).toHaveLength(1);
  return body.keys[0] as JWK;
}

async function expectRefused(service: TestService, token: string, description: string) {
  const response = await probe(service, token);
  expect(response.status).toBe(401);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.headers.get("www-authenticate")).toBe(CHALLENGE(description));
  expect(response.problem).toMatchObject({ status: 401, code: "unauthorized", detail: description });
}

describe("public endpoints need no token", () => {
  for (const path of [
    "/v1/ca",
    "/v1/ca/root.pem",
    "/v1/ca/chain.pem",
    "/healthz",
    "/readyz",
    "/openapi.json",
    "/.well-known/jwks.json",
  ]) {
    it(`GET ${path}`, async ({ service }) => {
      expect((await call(`${service.url}${path}`)).status).toBe(200);
    });
  }

  it("the JWKS publishes our ES256 public key with a kid, never a private part", async ({ service }) => {
    const key = await ourJwk(service);
    expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key).not.toHaveProperty("d");
  });

  it("the OpenAPI document marks protected operations with the bearer scheme and their permission", async ({
    service,
  }) => {
    const { body } = await call<OpenApiDocument>(`${service.url}/openapi.json`);
    expect(body.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    const issue = body.paths["/v1/certificates"]?.post;
    expect(issue?.security).toEqual([{ bearer: [] }]);
    expect(issue?.["x-required-permission"]).toEqual(["certificates:issue", "bootstrap-tokens:redeem"]);
    expect(issue?.parameters?.map((p) => p.name)).toContain("Idempotency-Key");
    const publicOperation = body.paths["/v1/ca"]?.get;
    expect(publicOperation).toBeDefined();
    expect(publicOperation?.security).toBeUndefined();
  });
});

describe("401: no token or a bad one", () => {
  it("no token: 401 problem+json with a Bearer challenge, before the body is even validated", async ({
    service,
  }) => {
    const response = await call(`${service.url}/v1/certificates`, { body: { nonsense: true } });
    expect(response.status).toBe(401);
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="edge-pki"');
    expect(response.body).toEqual({
      type: "urn:edge-pki:problem:unauthorized",
      title: "Authentication required",
      status: 401,
      detail: "a bearer token is required",
      code: "unauthorized",
    });
  });

  it("another scheme (Basic) is not a bearer token", async ({ service }) => {
    const response = await call(`${service.url}/v1/audit`, { headers: { authorization: "Basic YTpi" } });
    expect(response.status).toBe(401);
    expect(response.body.detail).toBe("the Authorization header is not a bearer token");
    expect(response.headers.get("www-authenticate")).toBe('Bearer realm="edge-pki"');
  });

  it("an unauthenticated body is never read: 401, not 413 or 400", async ({ service }) => {
    const huge = await call(`${service.url}/v1/certificates`, {
      rawBody: JSON.stringify({ csr: "x".repeat(100 * 1024) }),
      headers: { "content-type": "application/json" },
    });
    expect(huge.status).toBe(401);
    const garbage = await call(`${service.url}/v1/credentials`, {
      rawBody: "{not json",
      headers: { "content-type": "application/json" },
      token: "not.a.jwt",
    });
    expect(garbage.status).toBe(401);
    // Once authenticated, the same bodies are refused for what they are.
    const tooLarge = await call(`${service.url}/v1/certificates`, {
      rawBody: JSON.stringify({ csr: "x".repeat(100 * 1024) }),
      headers: { "content-type": "application/json" },
      token: service.adminToken,
    });
    expect(tooLarge.status).toBe(413);
  });

  it("issued in the future (iat beyond the leeway)", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ iat: now() + 600 })),
      "the token was issued in the future",
    );
  });

  it("garbage is not a JWT", async ({ service }) => {
    await expectRefused(service, "not.a.jwt", "the token is not a well-formed JWT");
  });

  it("the admin token from admin.token is accepted", async ({ service }) => {
    expect((await probe(service, service.adminToken)).status).toBe(200);
  });

  it("expired (beyond the 60 s leeway)", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ iat: now() - 3600, exp: now() - 120 })),
      "the token has expired",
    );
  });

  it("expired within the leeway is still accepted", async ({ service }) => {
    const token = await signOwn(service, adminClaims({ iat: now() - 3600, exp: now() - 20 }));
    expect((await probe(service, token)).status).toBe(200);
  });

  it("not yet valid (nbf beyond the leeway)", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ nbf: now() + 600 })),
      "the token is not yet valid",
    );
  });

  it("without an expiry", async ({ service }) => {
    const { exp: _exp, ...claims } = adminClaims();
    await expectRefused(
      service,
      await signOwn(service, claims),
      "the token's exp claim is missing or invalid",
    );
  });

  it("wrong audience", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ aud: "https://some-other-api" })),
      "the token is meant for another audience",
    );
  });

  it("wrong issuer", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ iss: "https://evil.example" })),
      "the token's issuer is not trusted",
    );
  });

  it("alg none, crafted by hand", async ({ service }) => {
    await expectRefused(
      service,
      unsignedToken(adminClaims()),
      "the token's signing algorithm is not allowed",
    );
  });

  it("signed by an unknown key under an unknown kid", async ({ service }) => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(adminClaims())
      .setProtectedHeader({ alg: "ES256", kid: "not-ours" })
      .sign(privateKey);
    await expectRefused(service, token, "the token is signed by an unknown key");
  });

  it("signed by an unknown key under our kid", async ({ service }) => {
    const { kid } = await ourJwk(service);
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT(adminClaims()).setProtectedHeader({ alg: "ES256", kid }).sign(privateKey);
    await expectRefused(service, token, "the token's signature does not verify");
  });

  it("HS256 with our public key as the HMAC secret (JWK JSON, PEM)", async ({ service }) => {
    const jwk = await ourJwk(service);
    const pem = createPublicKey({ key: jwk as JsonWebKey, format: "jwk" })
      .export({ type: "spki", format: "pem" })
      .toString();
    for (const secret of [JSON.stringify(jwk), pem]) {
      await expectRefused(
        service,
        hmacToken(adminClaims(), secret, jwk.kid),
        "the token's signing algorithm is not allowed",
      );
    }
  });

  it("a payload altered after signing", async ({ service }) => {
    const reader = await service.token(["reader"]);
    const [header, , signature] = reader.split(".");
    const payload = Buffer.from(JSON.stringify(adminClaims())).toString("base64url");
    await expectRefused(
      service,
      `${header}.${payload}.${signature}`,
      "the token's signature does not verify",
    );
  });

  it("our issuer's token with a role we never mint", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ roles: ["superuser"] })),
      "the token names an unknown role",
    );
  });

  it("an API token claiming the device-bootstrap role", async ({ service }) => {
    await expectRefused(
      service,
      await signOwn(service, adminClaims({ roles: ["device-bootstrap"] })),
      "a bootstrap token must carry only its role and the issuance audience",
    );
  });

  it("a key exported as a JWK is public only (sanity check of the forgery inputs)", async () => {
    const { publicKey } = await generateKeyPair("ES256");
    expect(await exportJWK(publicKey)).not.toHaveProperty("d");
  });
});

describe("403: a valid token without the right", () => {
  it("a reader may not issue: 403 names the missing permission, no challenge", async ({
    service,
    dataDir,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=reader-attempt");
    const response = await call(`${service.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: await service.token(["reader"]),
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect(response.headers.get("content-type")).toContain("application/problem+json");
    expect(response.body).toEqual({
      type: "urn:edge-pki:problem:forbidden",
      title: "Permission missing",
      status: 403,
      detail: "the token lacks the permission one of certificates:issue, bootstrap-tokens:redeem",
      code: "forbidden",
    });
  });

  it("an issuer may not read the audit log", async ({ service }) => {
    const response = await probe(service, await service.token(["issuer"]));
    expect(response.status).toBe(403);
    expect(response.problem.detail).toBe("the token lacks the permission audit:read");
  });

  it("an issuer may not read certificates; a reader may", async ({ service }) => {
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      body: { deviceId: "read-me" },
      token: await service.token(["issuer"], { subject: "read-me-issuer" }),
    });
    expect(issued.status).toBe(201);
    const url = `${service.url}/v1/certificates/${issued.body.serialNumber}`;
    const asIssuer = await call(url, { token: await service.token(["issuer"]) });
    expect(asIssuer.status).toBe(403);
    expect(asIssuer.body.detail).toBe("the token lacks the permission certificates:read");
    const asReader = await call<CertificateRecord>(url, { token: await service.token(["reader"]) });
    expect(asReader.status).toBe(200);
    expect(asReader.body.requester).toBe("token:read-me-issuer");
  });

  it("a reader may not mint bootstrap tokens", async ({ service }) => {
    const response = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "dev-1" },
      token: await service.token(["reader"]),
    });
    expect(response.status).toBe(403);
    expect(response.body.detail).toBe("the token lacks the permission bootstrap-tokens:create");
  });
});

describe("issuer tokens confined to a device-ID prefix", () => {
  it("issues credentials inside the prefix, refuses outside it", async ({ service, line7 }) => {
    const inside = await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "line7-a" },
      token: line7,
    });
    expect(inside.status).toBe(201);
    const outside = await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "line8-a" },
      token: line7,
    });
    expect(outside.status).toBe(403);
    expect(outside.body.detail).toBe(
      "the token may only issue for device IDs starting with 'line7-'; line8-a does not",
    );
  });

  it("refuses a CSR whose CN is outside the prefix", async ({ service, dataDir, line7 }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=line8-csr");
    const response = await call(`${service.url}/v1/certificates`, { body: { csr: csrPem }, token: line7 });
    expect(response.status).toBe(403);
    const { csrPem: inside } = await opensslCsr(dataDir, "/CN=line7-csr");
    expect(
      (await call(`${service.url}/v1/certificates`, { body: { csr: inside }, token: line7 })).status,
    ).toBe(201);
  });

  it("mints bootstrap tokens only inside the prefix", async ({ service, line7 }) => {
    const outside = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "line8-b" },
      token: line7,
    });
    expect(outside.status).toBe(403);
    const inside = await call(`${service.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "line7-b" },
      token: line7,
    });
    expect(inside.status).toBe(201);
  });
});

describe("audit of refusals", () => {
  it("records authentication failures as anonymous@address and denials under the token's identity", async ({
    service,
    line7,
  }) => {
    await probe(service); // no token
    await probe(service, await service.token(["issuer"], { subject: "denied-issuer" }));
    // Outside its prefix: refused here, whether or not the prefix tests above ran.
    const outside = await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "line8-audited" },
      token: line7,
    });
    expect(outside.status).toBe(403);
    const entries: AuditEntry[] = [];
    for (let after: string | null = "0"; after !== null; ) {
      const page: Answer<AuditPage> = await call<AuditPage>(
        `${service.url}/v1/audit?limit=50&after=${after}`,
        {
          token: service.adminToken,
        },
      );
      expect(page.status).toBe(200);
      entries.push(...page.body.items);
      after = page.body.next;
    }
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: "anonymous@127.0.0.1",
        action: "auth.failure",
        target: "GET /v1/audit",
        outcome: "failure",
        details: { reason: "a bearer token is required" },
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: "token:denied-issuer",
        action: "auth.denied",
        target: "GET /v1/audit",
        outcome: "failure",
        details: { reason: "the token lacks the permission audit:read" },
      }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({
        actor: "token:line7-station",
        action: "auth.denied",
        target: "POST /v1/credentials",
      }),
    );
    // Tokens themselves are never recorded.
    expect(JSON.stringify(entries)).not.toContain(service.adminToken);
  });
});

import type { EstCredential, EstCredentialList } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import {
  basic,
  createEstCredential,
  type EnrollAs,
  estBasicHandlers,
  estBasicTable,
  revokeEstCredential,
} from "./support/est-basic.js";
import { test } from "./support/fixtures.js";
import type { OpenApiDocument } from "./support/openapi.js";
import type { OperationsServerOptions } from "./support/operations-app.js";
import { call } from "./support/service.js";

// The file's clock, which the last test moves past a credential's expiry.
test.override("serviceOptions", ({ clock }) => ({ clock }));

const it = test.extend("enroll", ({ serveOperations }) => async (options: OperationsServerOptions = {}) => {
  const server = await serveOperations(estBasicTable, estBasicHandlers, options);
  return (deviceId: string, headers: Record<string, string>) =>
    call<EnrollAs>(`${server.url}/test/est/${deviceId}`, { headers });
});

const CHALLENGE = 'Basic realm="edge-pki EST", charset="UTF-8"';

describe("EST credentials through the admin API", () => {
  it("creates one with a generated password, returned once and never stored; lists it without", async ({
    service,
  }) => {
    const created = await call<EstCredential & { password: string }>(`${service.url}/v1/est/credentials`, {
      token: service.adminToken,
      body: { username: "fleet-a", devicePrefix: "fleet-a-" },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("cache-control")).toBe("no-store");
    expect(created.body).toMatchObject({
      username: "fleet-a",
      devicePrefix: "fleet-a-",
      deviceId: null,
      createdBy: "token:local-admin",
      expiresAt: null,
      status: "live",
      revokedAt: null,
    });
    expect(created.body.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const listed = await call<EstCredentialList>(`${service.url}/v1/est/credentials`, {
      token: service.adminToken,
    });
    const { password, ...record } = created.body;
    expect(listed.body.items).toContainEqual(record);
    expect(listed.text).not.toContain(password);
    expect(listed.text).not.toContain("scrypt");
    const audit = await call<{ items: { action: string; target: string; details: unknown }[] }>(
      `${service.url}/v1/audit?limit=1000`,
      { token: service.adminToken },
    );
    expect(JSON.stringify(audit.body)).not.toContain(password);
    expect(audit.body.items).toContainEqual(
      expect.objectContaining({ action: "est-credential.create", target: "est:fleet-a" }),
    );
  });

  it("refuses bad input, a taken username in any case, and callers without the permission", async ({
    service,
  }) => {
    await createEstCredential(service, {
      username: "fleet-b",
      devicePrefix: "fleet-b-",
      password: "p".repeat(16),
    });
    const create = (body: Record<string, unknown>, token = service.adminToken) =>
      call(`${service.url}/v1/est/credentials`, { token, body });
    expect(
      (await create({ username: "short", devicePrefix: "x-", password: "p".repeat(15) })).problem.code,
    ).toBe("invalid_request");
    expect((await create({ username: "both", devicePrefix: "x-", deviceId: "x-1" })).problem.code).toBe(
      "invalid_request",
    );
    expect((await create({ username: "neither" })).problem.code).toBe("invalid_request");
    expect((await create({ username: "co:lon", devicePrefix: "x-" })).problem.code).toBe("invalid_request");
    const taken = await create({ username: "FLEET-B", deviceId: "fleet-b-1" });
    expect(taken.status).toBe(409);
    expect(taken.problem.code).toBe("est_username_taken");
    const issuer = await service.token(["issuer"], { subject: "est-issuer" });
    expect((await create({ username: "by-issuer", devicePrefix: "x-" }, issuer)).status).toBe(403);
  });

  it("the OpenAPI document has the three operations, for est-credentials:manage", async ({ service }) => {
    const { body } = await call<OpenApiDocument>(`${service.url}/openapi.json`);
    const operations = [
      body.paths["/v1/est/credentials"]?.post,
      body.paths["/v1/est/credentials"]?.get,
      body.paths["/v1/est/credentials/{id}/revoke"]?.post,
    ];
    for (const operation of operations) {
      expect(operation?.security).toEqual([{ bearer: [] }]);
      expect(operation?.["x-required-permission"]).toBe("est-credentials:manage");
    }
    expect(body.components.schemas.CreatedEstCredential).toBeDefined();
  });
});

describe("Basic authentication of an operation that declares it", () => {
  it("the right password: a principal that may only enroll, under its prefix", async ({
    service,
    enroll,
  }) => {
    const created = await createEstCredential(service, {
      username: "Fleet-C",
      devicePrefix: "fleet-c-",
      password: "correct-horse-battery-staple",
    });
    const as = await enroll();
    const answer = await as("fleet-c-0001", basic("Fleet-C", created.password));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toEqual({
      identity: "est:Fleet-C",
      roles: ["est-enroll"],
      devicePrefix: "fleet-c-",
      deviceId: null,
    });
    // The username compares without regard to case; the principal keeps the recorded name.
    expect((await as("fleet-c-0002", basic("fleet-c", created.password))).body.identity).toBe("est:Fleet-C");
    // A password may hold colons: only the first one separates it from the username.
    const colons = await createEstCredential(service, {
      username: "colons",
      deviceId: "colons-1",
      password: "a:b:c:d:e:f:g:h:i",
    });
    expect((await as("colons-1", basic("colons", colons.password))).body).toMatchObject({
      deviceId: "colons-1",
    });
    expect((await as("colons-2", basic("colons", colons.password))).status, "another device").toBe(403);
    expect((await as("other-0001", basic("Fleet-C", created.password))).status, "outside the prefix").toBe(
      403,
    );
  });

  it("a wrong password, an unknown username, a malformed header, none: 401 with the Basic challenge", async ({
    service,
    enroll,
  }) => {
    const created = await createEstCredential(service, { username: "fleet-d", devicePrefix: "fleet-d-" });
    const as = await enroll();
    const refusals = {
      "wrong password": basic("fleet-d", `${created.password}x`),
      "unknown username": basic("nobody", created.password),
      "no colon": { authorization: `Basic ${Buffer.from("fleet-d").toString("base64")}` },
      "not base64": { authorization: "Basic !!!not-base64!!!" },
      "empty username": basic("", created.password),
      "a bearer token": { authorization: `Bearer ${service.adminToken}` },
      none: {},
    };
    for (const [what, headers] of Object.entries(refusals)) {
      const answer = await as("fleet-d-1", headers);
      expect(answer.status, what).toBe(401);
      expect(answer.headers.get("www-authenticate"), what).toBe(CHALLENGE);
      expect(answer.problem.code, what).toBe("unauthorized");
    }
  });

  it("Basic opens no JSON API route, and an EST credential holds no other permission", async ({
    service,
    serveOperations,
  }) => {
    const created = await createEstCredential(service, { username: "fleet-e", devicePrefix: "fleet-e-" });
    const issuance = await call(`${service.url}/v1/certificates`, {
      headers: basic("fleet-e", created.password),
      body: { deviceId: "fleet-e-1", csrPem: "x" },
    });
    expect(issuance.status, "the issuance route takes bearer tokens only").toBe(401);
    const server = await serveOperations(estBasicTable, estBasicHandlers);
    const issueAs = await call(`${server.url}/test/issue`, { headers: basic("fleet-e", created.password) });
    expect(issueAs.status, "est-enroll does not grant certificates:issue").toBe(403);
  });

  it("a revoked credential is refused at once on this replica, remembered or not", async ({
    service,
    enroll,
  }) => {
    const created = await createEstCredential(service, { username: "fleet-f", devicePrefix: "fleet-f-" });
    const as = await enroll();
    expect((await as("fleet-f-1", basic("fleet-f", created.password))).status).toBe(200);
    await revokeEstCredential(service, created.id);
    const answer = await as("fleet-f-1", basic("fleet-f", created.password));
    expect(answer.status).toBe(401);
    expect(answer.problem.detail).toBe("the EST credential has been revoked");
  });

  it("failed attempts spend the address's failure budget: then 429", async ({ service, enroll }) => {
    const created = await createEstCredential(service, { username: "fleet-g", devicePrefix: "fleet-g-" });
    const as = await enroll({ authFailuresPerMinute: 3 });
    for (let attempt = 0; attempt < 3; attempt++) {
      expect((await as("fleet-g-1", basic("fleet-g", "guess-number-one-two"))).status).toBe(401);
    }
    const over = await as("fleet-g-1", basic("fleet-g", "guess-number-one-two"));
    expect(over.status).toBe(429);
    expect(over.headers.get("retry-after")).toMatch(/^\d+$/);
    // The right password is not refused for the failures before it.
    expect((await as("fleet-g-1", basic("fleet-g", created.password))).status).toBe(200);
  });

  // Last: it moves the file's clock.
  it("an expired credential is refused, remembered or not", async ({ service, enroll, clock }) => {
    const created = await createEstCredential(service, {
      username: "fleet-h",
      devicePrefix: "fleet-h-",
      ttlSeconds: 60,
    });
    const as = await enroll();
    expect((await as("fleet-h-1", basic("fleet-h", created.password))).status).toBe(200);
    clock.advance(61_000);
    const answer = await as("fleet-h-1", basic("fleet-h", created.password));
    expect(answer.status).toBe(401);
    expect(answer.problem.detail).toBe("the EST credential has expired");
  });
});

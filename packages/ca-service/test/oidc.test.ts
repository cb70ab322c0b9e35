import type { CertificateRecord, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { discoveredKeySet } from "../src/adapters/auth/oidc-discovery.js";
import { TrustedIssuersVerifier } from "../src/adapters/auth/trusted-issuers-verifier.js";
import { systemClock } from "../src/ports/clock.js";
import { test } from "./support/fixtures.js";
import { hmacToken } from "./support/forged-tokens.js";
import { type OidcIssuerStandIn, startOidcIssuer } from "./support/oidc-issuer.js";
import { call, startTestService, type TestService } from "./support/service.js";

const AUDIENCE = "api://edge-pki-test";
/** Nothing listens on port 9 of loopback (discard): an identity provider that is down. */
const UNREACHABLE = "http://127.0.0.1:9";

const it = test
  // An Entra ID stand-in for the file; the service trusts it, and an issuer that is down.
  // biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
  .extend("idp", { scope: "file" }, async ({}, { onCleanup }) => {
    const idp = await startOidcIssuer();
    onCleanup(() => idp.stop());
    return idp;
  })
  // A second service trusting the same issuer more strictly: tokens living an hour at most, and
  // Entra's version 2.0 only.
  .extend("strict", { scope: "file" }, async ({ idp }, { onCleanup }) => {
    const strict = await startTestService({
      env: {
        EDGE_PKI_OIDC_ISSUERS: JSON.stringify([
          { issuer: idp.issuer, audience: AUDIENCE, maxTokenLifetimeSeconds: 3600, tokenVersions: ["2.0"] },
        ]),
      },
    });
    onCleanup(() => strict.dispose());
    return strict;
  });

it.override("serviceOptions", ({ idp }) => ({
  env: {
    EDGE_PKI_OIDC_ISSUERS: JSON.stringify([
      { issuer: idp.issuer, audience: AUDIENCE },
      { issuer: UNREACHABLE, audience: AUDIENCE },
    ]),
  },
}));

const entraLike = (idp: OidcIssuerStandIn, claims: Record<string, unknown>) =>
  idp.sign({ aud: AUDIENCE, sub: "entra-object-id", ...claims });

describe("external OpenID Connect issuers (Entra ID stand-in)", () => {
  it("accepts an RS256 token found by discovery; roles come from the roles claim", async ({
    idp,
    service,
  }) => {
    const token = await entraLike(idp, { roles: ["issuer"], sub: "factory-line-7" });
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      body: { deviceId: "oidc-dev" },
      token,
    });
    expect(issued.status).toBe(201);
    const record = await call<CertificateRecord>(
      `${service.url}/v1/certificates/${issued.body.serialNumber}`,
      {
        token: await entraLike(idp, { roles: ["reader"] }),
      },
    );
    expect(record.status).toBe(200);
    expect(record.body.requester).toBe(`${idp.issuer}#factory-line-7`);
  });

  it("an external token whose sub is local-admin is recorded as that issuer's, never as our admin", async ({
    idp,
    service,
  }) => {
    const token = await entraLike(idp, { roles: ["issuer"], sub: "local-admin" });
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      body: { deviceId: "oidc-lookalike" },
      token,
    });
    expect(issued.status).toBe(201);
    const denied = await call(`${service.url}/v1/audit`, { token });
    expect(denied.status).toBe(403);
    const audit = await service.context.store.listAudit({ limit: 1000 });
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "credentials.issue", actor: `${idp.issuer}#local-admin` }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({ action: "auth.denied", actor: `${idp.issuer}#local-admin` }),
    );
    const record = await service.context.store.findBySerialNumber(issued.body.serialNumber);
    expect(record?.requester).toBe(`${idp.issuer}#local-admin`);
  });

  it("refuses a token issued in the future beyond the leeway", async ({ idp, service }) => {
    const token = await entraLike(idp, { roles: ["issuer"], iat: Math.floor(Date.now() / 1000) + 600 });
    const response = await call(`${service.url}/v1/credentials`, {
      body: { deviceId: "oidc-future" },
      token,
    });
    expect(response.status).toBe(401);
    expect(response.body.detail).toBe("the token was issued in the future");
  });

  it("honours a device_prefix claim", async ({ idp, service }) => {
    const token = await entraLike(idp, { roles: ["issuer"], device_prefix: "line7-" });
    const outside = await call(`${service.url}/v1/credentials`, { body: { deviceId: "line9-x" }, token });
    expect(outside.status).toBe(403);
  });

  it("ignores roles it does not know, and never takes device-bootstrap from an external issuer", async ({
    idp,
    service,
  }) => {
    for (const roles of [["Task.Write", "Administrator"], ["device-bootstrap"]]) {
      const token = await entraLike(idp, { roles, jti: "x", sub: "oidc-dev" });
      const response = await call(`${service.url}/v1/credentials`, { body: { deviceId: "oidc-dev" }, token });
      expect(response.status).toBe(403);
    }
  });

  it("refuses another audience, an unpublished key, and HS256 with its public key", async ({
    idp,
    service,
  }) => {
    const wrongAudience = await idp.sign({ aud: "api://something-else", sub: "x", roles: ["admin"] });
    const unknownKey = await idp.sign(
      { aud: AUDIENCE, sub: "x", roles: ["admin"] },
      { unpublishedKey: true },
    );
    const jwks = (await (await fetch(`${idp.issuer}/keys`)).json()) as { keys: Array<{ kid: string }> };
    const confused = hmacToken(
      {
        iss: idp.issuer,
        aud: AUDIENCE,
        sub: "x",
        roles: ["admin"],
        exp: Math.floor(Date.now() / 1000) + 600,
      },
      JSON.stringify(jwks.keys[0]),
      jwks.keys[0]?.kid,
    );
    const expectations: Array<[string, string]> = [
      [wrongAudience, "the token is meant for another audience"],
      [unknownKey, "the token is signed by an unknown key"],
      [confused, "the token's signing algorithm is not allowed"],
    ];
    for (const [token, detail] of expectations) {
      const response = await call(`${service.url}/v1/audit`, { token });
      expect(response.status).toBe(401);
      expect(response.body.detail).toBe(detail);
    }
  });

  it("an issuer whose keys cannot be fetched: 503 with Retry-After, not 401", async ({ idp, service }) => {
    const token = await idp.sign({ iss: UNREACHABLE, aud: AUDIENCE, sub: "x", roles: ["admin"] });
    const response = await call(`${service.url}/v1/audit`, { token });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("5");
    expect(response.body.detail).toBe("the token issuer's keys could not be fetched");
  });
});

describe("OIDC key rotation", () => {
  const verifierFor = (issuer: OidcIssuerStandIn) =>
    new TrustedIssuersVerifier(
      [
        {
          kind: "oidc",
          issuer: issuer.issuer,
          audiences: [AUDIENCE],
          algorithms: ["RS256"],
          keys: discoveredKeySet(issuer.issuer),
        },
      ],
      systemClock,
    );
  const claims = { aud: AUDIENCE, sub: "rotation" };

  it("keys are cached; a key the issuer has just published works at once, without a cooldown", async () => {
    const rotating = await startOidcIssuer();
    try {
      const verifier = verifierFor(rotating);
      await verifier.verify(await rotating.sign(claims));
      await verifier.verify(await rotating.sign(claims));
      expect(rotating.jwksFetches()).toBe(1);
      await rotating.rotate();
      // Many requests with the new key at once: one fetch between them, and every one accepted.
      const tokens = await Promise.all(Array.from({ length: 10 }, () => rotating.sign(claims)));
      const verified = await Promise.all(tokens.map((token) => verifier.verify(token)));
      expect(verified.every((result) => result.claims.sub === "rotation")).toBe(true);
      expect(rotating.jwksFetches()).toBe(2);
      // Rotated again right away: still no cooldown to wait out.
      await rotating.rotate();
      await verifier.verify(await rotating.sign(claims));
      expect(rotating.jwksFetches()).toBe(3);
    } finally {
      await rotating.stop();
    }
  });

  it("a flood of made-up key ids costs the issuer a few fetches, not one each", async () => {
    const flooded = await startOidcIssuer();
    try {
      const verifier = verifierFor(flooded);
      await verifier.verify(await flooded.sign(claims));
      const refused = await Promise.all(
        Array.from({ length: 50 }, async (_, index) =>
          verifier.verify(await flooded.sign(claims, { unpublishedKey: true, kid: `made-up-${index}` })).then(
            () => "accepted",
            (error: { code?: string; message?: string }) => `${error.code}: ${error.message}`,
          ),
        ),
      );
      expect(new Set(refused)).toEqual(new Set(["unauthorized: the token is signed by an unknown key"]));
      // The first fetch, then a burst of three refetches at most.
      expect(flooded.jwksFetches()).toBeLessThanOrEqual(4);
      // A key id the issuer turned out not to have is not asked about again for a while.
      const before = flooded.jwksFetches();
      for (let i = 0; i < 5; i += 1) {
        await verifier
          .verify(await flooded.sign(claims, { unpublishedKey: true, kid: "made-up-0" }))
          .catch(() => {});
      }
      expect(flooded.jwksFetches()).toBe(before);
    } finally {
      await flooded.stop();
    }
  });
});

describe("what an external issuer's token must be", () => {
  const probe = (target: TestService, token: string) => call(`${target.url}/v1/audit?limit=1`, { token });
  const admin = { aud: AUDIENCE, sub: "entra-object-id", roles: ["admin"] };

  it("an access token: accepted", async ({ idp, service, strict }) => {
    expect((await probe(service, await idp.sign(admin))).status).toBe(200);
    expect((await probe(strict, await idp.sign({ ...admin, ver: "2.0", idtyp: "user" }))).status).toBe(200);
    // Entra's access tokens name the client application: azp in v2.0, appid in v1.0.
    const tid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const client = "0a1b2c3d-0000-4000-8000-000000000001";
    expect((await probe(strict, await idp.sign({ ...admin, ver: "2.0", tid, azp: client }))).status).toBe(
      200,
    );
    expect((await probe(service, await idp.sign({ ...admin, ver: "1.0", tid, appid: client }))).status).toBe(
      200,
    );
    expect((await probe(service, await idp.sign(admin, { typ: "at+jwt" }))).status).toBe(200);
  });

  it("an ID token is refused, by its header type or by the claims only ID tokens carry", async ({
    idp,
    service,
  }) => {
    const cases: [string, Promise<string>, string][] = [
      [
        "nonce",
        idp.sign({ ...admin, nonce: "n-0S6_WzA2Mj" }),
        "the token is an ID token (it carries nonce); send an access token for this API",
      ],
      [
        "at_hash",
        idp.sign({ ...admin, at_hash: "77QmUPtjPfzWtF2AnpK9RQ" }),
        "the token is an ID token (it carries at_hash); send an access token for this API",
      ],
      [
        "typ",
        idp.sign(admin, { typ: "id_token+jwt" }),
        "a token of type id_token+jwt is not an access token",
      ],
      ["idtyp", idp.sign({ ...admin, idtyp: "device" }), "the token's idtyp does not name an access token"],
      [
        "Entra ID token without nonce",
        idp.sign({ ...admin, tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", ver: "2.0" }),
        "the Entra token names no client application (azp or appid): it is not an access token",
      ],
    ];
    for (const [name, token, detail] of cases) {
      const response = await probe(service, await token);
      expect({ name, status: response.status, detail: response.body.detail }).toEqual({
        name,
        status: 401,
        detail,
      });
    }
  });

  it("a token that lives longer than the issuer's maximum, or of another Entra version, is refused", async ({
    idp,
    service,
    strict,
  }) => {
    const longLived = await probe(strict, await idp.sign({ ...admin, ver: "2.0" }, { expiresIn: "2h" }));
    expect({ status: longLived.status, detail: longLived.body.detail }).toEqual({
      status: 401,
      detail: "the token lives longer than the 3600 seconds allowed for this issuer",
    });
    // The default maximum is a day.
    expect((await probe(service, await idp.sign(admin, { expiresIn: "25h" }))).status).toBe(401);
    expect((await probe(service, await idp.sign(admin, { expiresIn: "23h" }))).status).toBe(200);
    const v1 = await probe(strict, await idp.sign({ ...admin, ver: "1.0" }));
    expect({ status: v1.status, detail: v1.body.detail }).toEqual({
      status: 401,
      detail: "the token's ver must be 2.0",
    });
    expect((await probe(strict, await idp.sign(admin))).status).toBe(401);
  });
});

import type { CertificateRecord, IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { discoveredKeySet } from "../src/adapters/auth/oidc-discovery.js";
import { TrustedIssuersVerifier } from "../src/adapters/auth/trusted-issuers-verifier.js";
import { systemClock } from "../src/ports/clock.js";
import { test } from "./support/fixtures.js";
import { hmacToken } from "./support/forged-tokens.js";
import { type OidcIssuerStandIn, startOidcIssuer } from "./support/oidc-issuer.js";
import { call } from "./support/service.js";

const AUDIENCE = "api://edge-pki-test";
/** Nothing listens on port 9 of loopback (discard): an identity provider that is down. */
const UNREACHABLE = "http://127.0.0.1:9";

// An Entra ID stand-in for the file; the service trusts it, and an issuer that is down.
// biome-ignore lint/correctness/noEmptyPattern: Vitest reads a fixture's dependencies from this pattern.
const it = test.extend("idp", { scope: "file" }, async ({}, { onCleanup }) => {
  const idp = await startOidcIssuer();
  onCleanup(() => idp.stop());
  return idp;
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
  it("keys are cached, and a token with a new kid makes the verifier fetch the JWKS again", async () => {
    const rotating = await startOidcIssuer();
    try {
      const verifier = new TrustedIssuersVerifier(
        [
          {
            kind: "oidc",
            issuer: rotating.issuer,
            audiences: [AUDIENCE],
            algorithms: ["RS256"],
            keys: discoveredKeySet(rotating.issuer, { cooldownMs: 0 }),
          },
        ],
        systemClock,
      );
      const claims = { aud: AUDIENCE, sub: "rotation" };
      await verifier.verify(await rotating.sign(claims));
      await verifier.verify(await rotating.sign(claims));
      expect(rotating.jwksFetches()).toBe(1);
      await rotating.rotate();
      const verified = await verifier.verify(await rotating.sign(claims));
      expect(verified).toMatchObject({ kind: "oidc", claims: { sub: "rotation" } });
      expect(rotating.jwksFetches()).toBe(2);
    } finally {
      await rotating.stop();
    }
  });
});

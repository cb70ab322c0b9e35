/**
 * Fuzzing bearer-token verification directly: the verifier the service composes (our own issuer,
 * ES256 only, and an OpenID Connect issuer with access-token rules) followed by
 * `principalFromToken`, as the bearer authenticator runs them. Random strings, JWS-shaped input and
 * mutations of a real token are refused with `unauthorized`; tokens whose header and claims are
 * changed and then signed with the issuer's own key give a principal only when every rule holds.
 * Never another exception (a 500), nor `unavailable` (a 503) for a token that is merely bad.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-tokens.test.ts -t '<name>'
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { DEVICE_ID_PATTERN, DEVICE_PREFIX_PATTERN } from "@edge-pki/api-contract";
import fc from "fast-check";
import { createLocalJWKSet, type JSONWebKeySet } from "jose";
import { describe, expect, it } from "vitest";
import { TrustedIssuersVerifier } from "../src/adapters/auth/trusted-issuers-verifier.js";
import type { Principal } from "../src/core/principal.js";
import { isRole } from "../src/core/roles.js";
import {
  API_AUDIENCE,
  BOOTSTRAP_AUDIENCE,
  OWN_ISSUER,
  principalFromToken,
} from "../src/core/token-claims.js";
import { applyMemberChanges, edgeValues, memberChanges } from "./support/fuzz/claim-changes.js";
import { applyJwsMutation, isSameJws, jwsMutation, jwsShaped, signCompact } from "./support/fuzz/jws.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { expectRefusedWith, parseOrRefuse } from "./support/fuzz/refusal.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";

const OIDC_ISSUER = "https://login.example.test/tenant/v2.0";
const OIDC_AUDIENCE = "api://edge-pki";
const NOW = new Date();
const NOW_SECONDS = Math.floor(NOW.getTime() / 1000);

/** An ES256 key and its JWKS with a kid, as each of our issuers publishes one. */
function issuerKey(kid: string): { privateKey: KeyObject; jwks: JSONWebKeySet } {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    privateKey,
    jwks: { keys: [{ ...publicKey.export({ format: "jwk" }), kid, alg: "ES256", use: "sig" }] },
  };
}

const own = issuerKey("own-key");
const oidc = issuerKey("oidc-key");
const verifier = new TrustedIssuersVerifier(
  [
    {
      kind: "own",
      issuer: OWN_ISSUER,
      audiences: [API_AUDIENCE, BOOTSTRAP_AUDIENCE],
      algorithms: ["ES256"],
      keys: createLocalJWKSet(own.jwks),
    },
    {
      kind: "oidc",
      issuer: OIDC_ISSUER,
      audiences: [OIDC_AUDIENCE],
      algorithms: ["ES256", "RS256"],
      keys: createLocalJWKSet(oidc.jwks),
      accessTokens: { maxLifetimeSeconds: 3600, versions: ["2.0"] },
    },
  ],
  { now: () => NOW },
);

/** Verification and the claim rules, as the bearer authenticator runs them. */
const authenticate = (token: string) =>
  parseOrRefuse(async () => principalFromToken(await verifier.verify(token)));

async function expectUnauthorized(token: string): Promise<void> {
  const principal = await authenticate(token);
  if (principal.ok) throw new Error(`accepted ${token} as ${principal.value.subject}`);
  expectRefusedWith(principal.error, ["unauthorized"]);
}

const apiHeader = { alg: "ES256", kid: "own-key", typ: "JWT" };
const apiClaims = {
  iss: OWN_ISSUER,
  sub: "fuzz-admin",
  aud: API_AUDIENCE,
  iat: NOW_SECONDS,
  exp: NOW_SECONDS + 3600,
  jti: "fuzz-api-token",
  roles: ["admin"],
};
const bootstrapClaims = {
  ...apiClaims,
  sub: "fuzz-device",
  aud: BOOTSTRAP_AUDIENCE,
  jti: "fuzz-bootstrap-token",
  roles: ["device-bootstrap"],
};
const oidcHeader = { alg: "ES256", kid: "oidc-key", typ: "JWT" };
const oidcClaims = { ...apiClaims, iss: OIDC_ISSUER, aud: OIDC_AUDIENCE, ver: "2.0", roles: ["issuer"] };
const apiToken = signCompact(apiHeader, apiClaims, own.privateKey);

describe("token verification on input that was never a token", () => {
  it("random strings", { timeout: timeoutFor(300, 25) }, async () => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 200 }));
    await fc.assert(fc.asyncProperty(text, expectUnauthorized), fuzzParameters(300));
  });

  it("JWS-shaped strings with hostile headers (none, HMAC, foreign keys)", {
    timeout: timeoutFor(300, 25),
  }, async () => {
    await fc.assert(fc.asyncProperty(jwsShaped, expectUnauthorized), fuzzParameters(300));
  });
});

describe("token verification on real tokens, changed", () => {
  it("a real API token gives its principal (so the refusals below are about the changes)", async () => {
    const principal = await authenticate(apiToken);
    expect(principal.ok && principal.value).toMatchObject({ subject: "fuzz-admin", roles: ["admin"] });
  });

  it("mutated without re-signing: refused, unless the change left the very same token", {
    timeout: timeoutFor(400, 25),
  }, async () => {
    await fc.assert(
      fc.asyncProperty(jwsMutation, async (mutation) => {
        const mutated = applyJwsMutation(apiToken, mutation);
        const principal = await authenticate(mutated);
        if (!principal.ok) return expectRefusedWith(principal.error, ["unauthorized"]);
        // atob's leniency in the signature segment: the same bytes, so the same token (reported).
        expect(isSameJws(apiToken, mutated), `accepted the changed token ${mutated}`).toBe(true);
      }),
      fuzzParameters(400),
    );
  });

  const values = edgeValues(NOW_SECONDS, [
    OWN_ISSUER,
    OIDC_ISSUER,
    API_AUDIENCE,
    BOOTSTRAP_AUDIENCE,
    OIDC_AUDIENCE,
    "admin",
    "issuer",
    "reader",
    "device-bootstrap",
    "est-enroll",
    "2.0",
    "1.0",
    "ES256",
    "none",
    "HS256",
    "fuzz-",
  ]);
  const headerChanges = fc.option(memberChanges(["alg", "kid", "typ", "crit", "jwk"], values));
  const claimChanges = fc.option(
    memberChanges(
      ["iss", "sub", "aud", "iat", "exp", "nbf", "jti", "roles", "device_prefix", "ver", "nonce", "idtyp"],
      values,
    ),
  );
  const issued = fc.constantFrom(
    { name: "API token", header: apiHeader, claims: apiClaims, key: own.privateKey },
    { name: "bootstrap token", header: apiHeader, claims: bootstrapClaims, key: own.privateKey },
    { name: "OIDC access token", header: oidcHeader, claims: oidcClaims, key: oidc.privateKey },
  );

  it("header and claims changed, then signed with the issuer's key: a principal only within the rules", {
    timeout: timeoutFor(500, 25),
  }, async () => {
    const outcomes = new Outcomes();
    const runs = 500;
    await fc.assert(
      fc.asyncProperty(issued, headerChanges, claimChanges, async (token, headerChange, claimChange) => {
        const header = applyMemberChanges(token.header, headerChange ?? []);
        const claims = applyMemberChanges(token.claims, claimChange ?? []);
        const principal = await authenticate(signCompact(header, claims, token.key));
        outcomes.note(principal.ok ? "accepted" : "refused");
        if (!principal.ok) return expectRefusedWith(principal.error, ["unauthorized"]);
        expectWithinTheRules(header, claims, principal.value);
      }),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["accepted", "refused"], runs);
  });
});

/**
 * What any accepted token must be, restated independently of the verifier: ES256 from an issuer we
 * trust, for its audience, current within a minute's leeway, with a usable subject; roles only
 * from the known ones (never `device-bootstrap` from an external issuer, never `est-enroll` from any
 * token); a device prefix only of
 * device-ID characters; and a bootstrap grant only for a device ID.
 */
function expectWithinTheRules(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  principal: Principal,
): void {
  expect(header.alg).toBe("ES256");
  expect([OWN_ISSUER, OIDC_ISSUER]).toContain(claims.iss);
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const ours = claims.iss === OWN_ISSUER ? [API_AUDIENCE, BOOTSTRAP_AUDIENCE] : [OIDC_AUDIENCE];
  expect(audiences.some((audience) => ours.includes(audience as string))).toBe(true);
  expect(typeof claims.exp).toBe("number");
  expect(claims.exp as number).toBeGreaterThan(NOW_SECONDS - 60);
  if (typeof claims.iat === "number") expect(claims.iat).toBeLessThanOrEqual(NOW_SECONDS + 60);
  if (typeof claims.nbf === "number") expect(claims.nbf).toBeLessThanOrEqual(NOW_SECONDS + 60);
  expect(principal.subject).toBe(claims.sub);
  expect(principal.subject.length).toBeGreaterThan(0);
  expect(principal.roles.every(isRole)).toBe(true);
  if (claims.iss === OIDC_ISSUER) expect(principal.roles).not.toContain("device-bootstrap");
  expect(principal.roles, "est-enroll comes with an EST credential only").not.toContain("est-enroll");
  if (principal.devicePrefix !== undefined) expect(principal.devicePrefix).toMatch(DEVICE_PREFIX_PATTERN);
  if (principal.bootstrap !== undefined) {
    expect(principal.roles).toEqual(["device-bootstrap"]);
    expect(principal.subject).toMatch(DEVICE_ID_PATTERN);
    expect(claims.iss).toBe(OWN_ISSUER);
  }
}

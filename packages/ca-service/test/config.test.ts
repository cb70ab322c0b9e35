import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";
import { maskCredentials } from "../src/config/mask-credentials.js";

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env, "/tmp");
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe("authentication settings", () => {
  it("EDGE_PKI_HOST may be any address now that the API authenticates; loopback stays the default", () => {
    expect(loadConfig({}, "/tmp").host).toBe("127.0.0.1");
    expect(loadConfig({ EDGE_PKI_HOST: "0.0.0.0" }, "/tmp").host).toBe("0.0.0.0");
  });

  it("reads OIDC issuers as a JSON array, RS256 by default", () => {
    const config = loadConfig(
      {
        EDGE_PKI_OIDC_ISSUERS: JSON.stringify([
          { issuer: "https://login.microsoftonline.com/tenant/v2.0", audience: "api://edge-pki" },
          { issuer: "http://127.0.0.1:9000", audience: "edge", algorithms: ["ES256", "PS256"] },
        ]),
      },
      "/tmp",
    );
    expect(config.oidcIssuers).toEqual([
      {
        issuer: "https://login.microsoftonline.com/tenant/v2.0",
        audience: "api://edge-pki",
        algorithms: ["RS256"],
      },
      { issuer: "http://127.0.0.1:9000", audience: "edge", algorithms: ["ES256", "PS256"] },
    ]);
  });

  it("never allows none or HMAC, nor plain http off loopback, nor invalid JSON", () => {
    const issuer = (settings: Record<string, unknown>) =>
      problemsOf({
        EDGE_PKI_OIDC_ISSUERS: JSON.stringify([
          { issuer: "https://idp.example", audience: "a", ...settings },
        ]),
      });
    expect(issuer({ algorithms: ["none"] })).toHaveLength(1);
    expect(issuer({ algorithms: ["HS256"] })).toHaveLength(1);
    expect(issuer({ issuer: "http://idp.example" })[0]).toContain(
      "issuer must be an https:// URL (http:// only on loopback, for tests)",
    );
    expect(problemsOf({ EDGE_PKI_OIDC_ISSUERS: "[{" })[0]).toContain(
      "must be a JSON array of {issuer, audience, algorithms?}",
    );
  });

  it("rate limits: defaults, 0 allowed, negatives refused", () => {
    expect(loadConfig({}, "/tmp").rateLimits).toEqual({
      perMinute: 600,
      publicPerMinute: 6000,
      authFailuresPerMinute: 20,
    });
    expect(loadConfig({ EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" }, "/tmp").rateLimits.perMinute).toBe(0);
    expect(problemsOf({ EDGE_PKI_RATE_LIMIT_PER_MINUTE: "-1" })).toHaveLength(1);
  });
});

describe("URLs with credentials in messages", () => {
  it("shows EDGE_PKI_DATABASE_URL (and any URL) with its password masked", () => {
    const problems = problemsOf({
      EDGE_PKI_STORE: "postgres",
      EDGE_PKI_DATABASE_URL: "mysql://pki:s3cret-pw@db.example:3306/pki",
      EDGE_PKI_PUBLIC_URL: "https://user:other-secret@pki.example",
    });
    expect(problems).toHaveLength(2);
    expect(problems.join("\n")).not.toMatch(/s3cret-pw|other-secret/);
    expect(problems[0]).toBe(
      'EDGE_PKI_DATABASE_URL="mysql://pki:***@db.example:3306/pki": must be a postgres:// URL',
    );
    expect(problems[1]).toContain('EDGE_PKI_PUBLIC_URL="https://user:***@pki.example"');
  });

  it("maskCredentials leaves URLs without a password alone", () => {
    expect(maskCredentials("postgres://postgres@127.0.0.1:5432/db")).toBe(
      "postgres://postgres@127.0.0.1:5432/db",
    );
    expect(maskCredentials("connect postgres://a:b@h/d failed")).toBe("connect postgres://a:***@h/d failed");
  });
});

import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";
import { maskCredentials } from "../src/config/mask-credentials.js";
import { it } from "./support/fixtures.js";
import { opensslSelfSigned, opensslServerCertificate } from "./support/openssl.js";

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
    expect(loadConfig({ EDGE_PKI_HOST: "0.0.0.0", EDGE_PKI_ALLOW_PLAIN_HTTP: "true" }, "/tmp").host).toBe(
      "0.0.0.0",
    );
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
        maxTokenLifetimeSeconds: 86_400,
      },
      {
        issuer: "http://127.0.0.1:9000",
        audience: "edge",
        algorithms: ["ES256", "PS256"],
        maxTokenLifetimeSeconds: 86_400,
      },
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
      "must be a JSON array of {issuer, audience, algorithms?, maxTokenLifetimeSeconds?, tokenVersions?}",
    );
  });

  it("rate limits: defaults, 0 allowed, negatives refused", () => {
    expect(loadConfig({}, "/tmp").rateLimits).toEqual({
      perMinute: 0,
      devicePerMinute: 60,
      publicPerMinute: 6000,
      authFailuresPerMinute: 20,
    });
    expect(loadConfig({ EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0" }, "/tmp").rateLimits.perMinute).toBe(0);
    expect(problemsOf({ EDGE_PKI_RATE_LIMIT_PER_MINUTE: "-1" })).toHaveLength(1);
  });
});

describe("listener settings", () => {
  it("serves a non-loopback address over plain HTTP only when told it sits behind a TLS proxy", () => {
    expect(problemsOf({ EDGE_PKI_HOST: "0.0.0.0" })).toEqual([
      expect.stringMatching(/^EDGE_PKI_HOST="0.0.0.0": a non-loopback address is served only over HTTPS/),
    ]);
    expect(problemsOf({ EDGE_PKI_HOST: "::1" })).toEqual([]);
    expect(problemsOf({ EDGE_PKI_HOST: "localhost" })).toEqual([]);
    expect(problemsOf({ EDGE_PKI_HOST: "not a host!" })).toEqual([
      'EDGE_PKI_HOST="not a host!": must be an IP address or a host name',
    ]);
  });

  it("reads the TLS files at start and names the setting that is wrong", async ({ dataDir: dir }) => {
    const one = await opensslServerCertificate(dir, "one");
    const two = await opensslServerCertificate(dir, "two");
    const ok = loadConfig(
      { EDGE_PKI_HOST: "0.0.0.0", EDGE_PKI_TLS_CERT: one.certPath, EDGE_PKI_TLS_KEY: one.keyPath },
      "/tmp",
    );
    expect(ok.tls).toEqual({
      certPath: one.certPath,
      keyPath: one.keyPath,
      requestClientCertificates: false,
    });
    expect(problemsOf({ EDGE_PKI_TLS_CERT: "/nope.pem", EDGE_PKI_TLS_KEY: one.keyPath })).toEqual([
      'EDGE_PKI_TLS_CERT="/nope.pem": cannot read the file (ENOENT)',
    ]);
    expect(problemsOf({ EDGE_PKI_TLS_CERT: one.certPath, EDGE_PKI_TLS_KEY: two.keyPath })).toEqual([
      expect.stringMatching(
        /^EDGE_PKI_TLS_KEY=".*two.key": not a usable PEM key for EDGE_PKI_TLS_CERT \(.*mismatch/,
      ),
    ]);
    expect(problemsOf({ EDGE_PKI_TLS_CERT: one.certPath })).toEqual([
      "EDGE_PKI_TLS_KEY is required: EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY must be set together",
    ]);
  });

  it("takes whole numbers only in decimal digits", () => {
    for (const port of [" 80", "0x50", "1e3", "80.0", "-1", ""]) {
      const problems = problemsOf({ EDGE_PKI_PORT: port });
      if (port === "") expect(problems).toEqual([]);
      else
        expect(problems).toEqual([
          `EDGE_PKI_PORT=${JSON.stringify(port)}: must be a whole number written in decimal digits`,
        ]);
    }
    expect(problemsOf({ EDGE_PKI_PORT: "65536" })).toEqual(['EDGE_PKI_PORT="65536": must be at most 65535']);
    expect(loadConfig({ EDGE_PKI_PORT: "9443", EDGE_PKI_MAX_VALIDITY_DAYS: "30" }, "/tmp")).toMatchObject({
      port: 9443,
      maxValidityDays: 30,
    });
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

describe("client-certificate settings", () => {
  it("are off by default: no client certificate is asked for, no proxy trusted, no header read", () => {
    const config = loadConfig({}, "/tmp");
    expect(config.tls).toBeUndefined();
    expect(config.trustedProxies).toEqual([]);
    expect(config.clientCertificateHeader).toBeUndefined();
  });

  it("read proxies as addresses and CIDR networks, and the header in lower case", async ({
    dataDir: dir,
  }) => {
    const config = loadConfig(
      {
        EDGE_PKI_TRUSTED_PROXIES: " 10.0.0.5, fd00::/8,192.168.0.0/16 ,",
        EDGE_PKI_CLIENT_CERT_HEADER: "X-SSL-Client-Cert",
      },
      "/tmp",
    );
    expect(config.trustedProxies).toEqual(["10.0.0.5", "fd00::/8", "192.168.0.0/16"]);
    expect(config.clientCertificateHeader).toBe("x-ssl-client-cert");
    const { certPath, keyPath } = await opensslServerCertificate(dir, "tls");
    const tls = { EDGE_PKI_TLS_CERT: certPath, EDGE_PKI_TLS_KEY: keyPath };
    expect(loadConfig({ ...tls, EDGE_PKI_TLS_CLIENT_CERTIFICATES: "request" }, "/tmp").tls).toMatchObject({
      requestClientCertificates: true,
    });
    expect(loadConfig(tls, "/tmp").tls).toMatchObject({ requestClientCertificates: false });
  });

  it("refuse what cannot work, each on its own line", () => {
    expect(
      problemsOf({
        EDGE_PKI_TRUSTED_PROXIES: "10.0.0.5,proxy.example,10.0.0.0/33,::1/129,1.2.3.4/8/1",
        EDGE_PKI_CLIENT_CERT_HEADER: "X Client Cert",
        EDGE_PKI_TLS_CLIENT_CERTIFICATES: "require",
      }),
    ).toEqual([
      expect.stringMatching(/^EDGE_PKI_TLS_CLIENT_CERTIFICATES="require": /),
      ...[1, 2, 3, 4].map((index) =>
        expect.stringContaining(
          `EDGE_PKI_TRUSTED_PROXIES.${index}: each entry must be an IP address or a network in CIDR form`,
        ),
      ),
      expect.stringMatching(/^EDGE_PKI_CLIENT_CERT_HEADER="X Client Cert": must be an HTTP header name/),
    ]);
    expect(problemsOf({ EDGE_PKI_TLS_CLIENT_CERTIFICATES: "request" })).toEqual([
      "EDGE_PKI_TLS_CLIENT_CERTIFICATES=request needs HTTPS: set EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY",
    ]);
    expect(problemsOf({ EDGE_PKI_CLIENT_CERT_HEADER: "x-client-cert" })).toEqual([
      "EDGE_PKI_CLIENT_CERT_HEADER needs EDGE_PKI_TRUSTED_PROXIES: only a trusted proxy may forward a client certificate",
    ]);
  });
});

describe("EST settings", () => {
  it("EST is off unless a port is set; names and the Edge CA policy are read", () => {
    expect(loadConfig({}, "/tmp").est).toBeUndefined();
    const est = loadConfig(
      {
        EDGE_PKI_EST_PORT: "9443",
        EDGE_PKI_EST_SERVER_NAMES: "pki.example.net, 10.0.0.5",
        EDGE_PKI_EST_EDGE_CA: "line7-,line8-",
      },
      "/tmp",
    ).est;
    expect(est).toEqual({
      port: 9443,
      serverNames: { dnsNames: ["pki.example.net"], ipAddresses: ["10.0.0.5"] },
      bootstrapCaFile: undefined,
      edgeCa: { kind: "prefixes", prefixes: ["line7-", "line8-"] },
    });
    expect(loadConfig({ EDGE_PKI_EST_PORT: "0" }, "/tmp").est?.edgeCa).toEqual({ kind: "off" });
  });

  it("reads the bootstrap CA bundle at start and names the setting when it is wrong", async ({
    dataDir: dir,
  }) => {
    expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: "/nope.pem" })).toEqual([
      'EDGE_PKI_EST_BOOTSTRAP_CA_FILE="/nope.pem": cannot read the file (ENOENT)',
    ]);
    const one = await opensslServerCertificate(dir, "est-bundle");
    expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: one.keyPath })).toEqual([
      expect.stringMatching(
        /^EDGE_PKI_EST_BOOTSTRAP_CA_FILE=".*": block 1 is a PRIVATE KEY, not a CERTIFICATE$/,
      ),
    ]);
    expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: one.certPath })).toEqual([]);
    // A device's certificate put where its CA belongs, and a block that is no certificate.
    const { certPath: leafPath } = await opensslSelfSigned(dir.path, "est-leaf", {
      subject: "/CN=edge-1",
      extensions: ["basicConstraints=CA:FALSE"],
    });
    const bundle = join(dir.path, "est-mixed.pem");
    writeFileSync(bundle, readFileSync(one.certPath, "utf8") + readFileSync(leafPath, "utf8"));
    expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: bundle })).toEqual([
      `EDGE_PKI_EST_BOOTSTRAP_CA_FILE="${bundle}": certificate 2 (CN=edge-1) is not a CA certificate (basicConstraints CA:TRUE)`,
    ]);
    const ca = readFileSync(one.certPath, "utf8");
    const key = readFileSync(one.keyPath, "utf8");
    // Every block is a certificate, whole, or the start is refused: none is skipped quietly.
    const bundles: [string, string][] = [
      ["-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate 1 does not parse"],
      [
        ca + ca.replace("-----END CERTIFICATE-----", "-----END CERTIFICAT-----"),
        "block 2 (-----BEGIN CERTIFICATE-----) has no matching END line",
      ],
      [
        ca + ca.replace(/-----END CERTIFICATE-----\s*$/, ""),
        "block 2 (-----BEGIN CERTIFICATE-----) has no matching END line",
      ],
      [ca.replaceAll("CERTIFICATE", "X509 CERTIFICATE"), "block 1 is a X509 CERTIFICATE, not a CERTIFICATE"],
      [
        ca.replaceAll("CERTIFICATE", "TRUSTED CERTIFICATE"),
        "block 1 is a TRUSTED CERTIFICATE, not a CERTIFICATE",
      ],
      [ca + key, "block 2 is a PRIVATE KEY, not a CERTIFICATE"],
      ["just text, no PEM", "holds no PEM certificate"],
    ];
    for (const [text, problem] of bundles) {
      writeFileSync(bundle, text);
      expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: bundle }), problem).toEqual(
        [`EDGE_PKI_EST_BOOTSTRAP_CA_FILE="${bundle}": ${problem}`],
      );
    }
    // A CA that may not sign certificates.
    const { certPath: noCertSign } = await opensslSelfSigned(dir.path, "est-no-certsign", {
      subject: "/CN=Maker CA without certSign",
      extensions: ["keyUsage=critical,digitalSignature"],
    });
    expect(problemsOf({ EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: noCertSign })).toEqual([
      `EDGE_PKI_EST_BOOTSTRAP_CA_FILE="${noCertSign}": certificate 1 (CN=Maker CA without certSign) may not sign certificates (its keyUsage lacks keyCertSign)`,
    ]);
  });
});

import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { IssuedCredentials, OperationDefinition } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { z } from "zod";
import { identityOf } from "../src/core/principal.js";
import type { Handlers } from "../src/http/handler.js";
import { trustedProxies } from "../src/http/trusted-proxies.js";
import { tokenSignerCertificate } from "./support/ca-files.js";
import { test } from "./support/fixtures.js";
import { httpsRequest } from "./support/https-client.js";
import { openssl, opensslServerCertificate } from "./support/openssl.js";
import type { OperationsServer, OperationsServerOptions } from "./support/operations-app.js";
import { call, type TestService } from "./support/service.js";

/** An operation of this test's own: no v1 operation authenticates with client certificates yet. */
const table = {
  whoAmI: {
    method: "GET",
    path: "/test/who-am-i",
    summary: "Who the client certificate says the caller is",
    tags: ["test"],
    authentication: { kind: "client-certificate" },
    idempotent: false,
    success: {
      status: 200,
      description: "The caller",
      mediaType: "application/json",
      schema: z.object({ identity: z.string(), deviceId: z.string(), serialNumber: z.string() }),
    },
    problems: {},
  },
} as const satisfies Record<string, OperationDefinition>;

/** What whoAmI answers. */
type WhoAmI = z.infer<typeof table.whoAmI.success.schema>;

const handlers: Handlers<typeof table> = {
  whoAmI: async ({ principal }) => ({
    body: {
      identity: identityOf(principal),
      deviceId: principal.subject,
      serialNumber: principal.holder?.certificate.serialNumber.toLowerCase() ?? "",
    },
  }),
};

const it = test
  // The TLS listener's own certificate and key, for the file's HTTPS operation servers.
  .extend("tls", { scope: "file" }, async ({ dataDir }) => {
    const { certPath, keyPath } = await opensslServerCertificate(dataDir, "listener");
    return { cert: await readFile(certPath, "utf8"), key: await readFile(keyPath, "utf8") };
  })
  // The whoAmI operation over the file's service, with the options the test gives.
  .extend(
    "serve",
    ({ serveOperations }) =>
      (options: OperationsServerOptions = {}): Promise<OperationsServer> =>
        serveOperations(table, handlers, options),
  );

/** A device key and full chain from a CA's credentials endpoint. */
async function device(ca: TestService, deviceId: string) {
  const issued = await call<IssuedCredentials>(`${ca.url}/v1/credentials`, {
    token: ca.adminToken,
    body: { deviceId },
  });
  expect(issued.status).toBe(201);
  return {
    key: issued.body.privateKeyPem,
    cert: issued.body.fullChainPem,
    certificatePem: issued.body.certificatePem,
    serialNumber: issued.body.serialNumber,
  };
}

const problemOf = (answer: { text: string }) => JSON.parse(answer.text) as { code: string; detail: string };

describe("client-certificate authentication in the TLS handshake", () => {
  it("names the device whose certificate the client presented", async ({ service, serve, tls }) => {
    const server = await serve({ tls });
    const holder = await device(service, "tls-client-1");
    const answer = await httpsRequest(`${server.url}/test/who-am-i`, holder);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toEqual({
      identity: "device:tls-client-1",
      deviceId: "tls-client-1",
      serialNumber: holder.serialNumber,
    });
  });

  it("refuses a client without a certificate, with one of another CA, and a revoked one (403)", async ({
    service,
    serve,
    tls,
    startService,
  }) => {
    const server = await serve({ tls });
    const none = await httpsRequest(`${server.url}/test/who-am-i`);
    expect(none.status).toBe(403);
    expect(none.headers["content-type"]).toContain("application/problem+json");
    expect(problemOf(none)).toMatchObject({
      code: "forbidden",
      detail: expect.stringMatching(/TLS client certificate/),
    });

    const foreign = await startService();
    const intruder = await httpsRequest(`${server.url}/test/who-am-i`, await device(foreign, "tls-intruder"));
    expect(intruder.status).toBe(403);
    expect(problemOf(intruder).detail).toBe("the client certificate was not issued by this CA");

    const revoked = await device(service, "tls-revoked");
    const revocation = await call(`${service.url}/v1/certificates/${revoked.serialNumber}/revoke`, {
      token: service.adminToken,
      body: { reason: "keyCompromise" },
    });
    expect(revocation.status).toBe(200);
    const refused = await httpsRequest(`${server.url}/test/who-am-i`, revoked);
    expect(refused.status).toBe(403);
    expect(problemOf(refused).detail).toBe(`the client certificate ${revoked.serialNumber} is revoked`);
  });

  it("refuses a certificate the root signed that is not a device's (the token signer's)", async ({
    service,
    serve,
  }) => {
    const tokenSigner = await tokenSignerCertificate(service);
    // Its key stays in the key store; a TLS client cannot present it, so it is forwarded instead.
    const proxied = await serve({
      forwarding: { proxies: trustedProxies(["127.0.0.1"]), header: "x-client-cert" },
    });
    const answer = await call(`${proxied.url}/test/who-am-i`, {
      headers: { "x-client-cert": encodeURIComponent(tokenSigner.toString()) },
    });
    expect(answer.status).toBe(403);
    expect(answer.body.detail).toBe("the client certificate was not issued by this CA");
  });

  it("audits each refusal as an authentication failure and charges the address's budget", async ({
    service,
    serve,
    tls,
  }) => {
    const server = await serve({ tls, authFailuresPerMinute: 2 });
    const before = (await service.context.store.listAudit({ limit: 10_000 })).length;
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      statuses.push((await httpsRequest(`${server.url}/test/who-am-i`)).status);
    }
    expect(statuses).toEqual([403, 403, 429]);
    const entries = (await service.context.store.listAudit({ limit: 10_000 })).slice(before);
    const failure = {
      actor: "anonymous@127.0.0.1",
      action: "auth.failure",
      target: "GET /test/who-am-i",
      outcome: "failure",
      details: { reason: "this operation needs a TLS client certificate issued by this CA" },
    };
    // The refusal over the budget is audited too, as the rate limit's (see audit-summaries.test.ts).
    expect(entries).toEqual([
      expect.objectContaining(failure),
      expect.objectContaining(failure),
      expect.objectContaining({
        actor: "anonymous@127.0.0.1",
        action: "rate_limit.refused",
        target: "GET /test/who-am-i",
        outcome: "failure",
        details: { reason: expect.stringMatching(/^too many failed authentications/) },
      }),
    ]);
    // A good certificate from the same address is still served.
    expect(
      (await httpsRequest(`${server.url}/test/who-am-i`, await device(service, "tls-after"))).status,
    ).toBe(200);
  });
});

describe("a client certificate forwarded by a trusted proxy", () => {
  const header = "x-client-cert";
  const forwarded = (value: string, server: OperationsServer) =>
    call<WhoAmI>(`${server.url}/test/who-am-i`, { headers: { [header]: value } });

  it("is read as URL-encoded PEM, folded PEM, base64 DER or Envoy's Cert element, then verified", async ({
    service,
    serve,
  }) => {
    const server = await serve({ forwarding: { proxies: trustedProxies(["127.0.0.1"]), header } });
    const holder = await device(service, "forwarded-1");
    const pem = holder.certificatePem;
    const der = new X509Certificate(pem).raw.toString("base64");
    const forms = {
      "URL-encoded PEM (nginx $ssl_client_escaped_cert)": encodeURIComponent(`${pem}\n`),
      "PEM with its line breaks folded into spaces": pem.replaceAll("\n", " "),
      "base64 DER (Application Gateway, ARR)": der,
      "Envoy x-forwarded-client-cert": `By=spiffe://edge;Hash=00ff;Cert="${encodeURIComponent(pem)}";Subject="CN=forwarded-1"`,
    };
    for (const [form, value] of Object.entries(forms)) {
      const answer = await forwarded(value, server);
      expect({ form, status: answer.status, body: answer.body }).toEqual({
        form,
        status: 200,
        body: { identity: "device:forwarded-1", deviceId: "forwarded-1", serialNumber: holder.serialNumber },
      });
    }
  });

  it("refuses what is not a certificate, and a certificate this CA never issued", async ({
    serve,
    dataDir: dir,
  }) => {
    const server = await serve({ forwarding: { proxies: trustedProxies(["127.0.0.0/8"]), header } });
    for (const value of ["not a certificate!", "%E0%A4%A", Buffer.from("hello").toString("base64")]) {
      const answer = await forwarded(value, server);
      expect({ value, status: answer.status }).toEqual({ value, status: 403 });
    }
    const { certPath } = await opensslServerCertificate(dir, "self-signed");
    const selfSigned = await readFile(certPath, "utf8");
    const answer = await forwarded(encodeURIComponent(selfSigned), server);
    expect(answer.problem.detail).toBe("the client certificate was not issued by this CA");
    expect(await openssl(["x509", "-in", certPath, "-noout", "-subject"])).toContain("CN = localhost");
  });

  it("is ignored from any address that is not a trusted proxy", async ({ service, serve }) => {
    const server = await serve({ forwarding: { proxies: trustedProxies(["10.9.8.7", "fd00::/8"]), header } });
    const holder = await device(service, "forwarded-untrusted");
    const answer = await forwarded(encodeURIComponent(holder.certificatePem), server);
    expect(answer.status).toBe(403);
    expect(answer.problem.detail).toBe("this operation needs a TLS client certificate issued by this CA");
  });

  it("is not looked for when forwarding is off, whoever sends the header", async ({ service, serve }) => {
    const server = await serve();
    const holder = await device(service, "forwarded-off");
    const answer = await forwarded(encodeURIComponent(holder.certificatePem), server);
    expect(answer.status).toBe(403);
  });
});

describe("the service's HTTPS listener with EDGE_PKI_TLS_CLIENT_CERTIFICATES=request", () => {
  it("asks for a certificate from our CAs, requires none, and serves the API either way", async ({
    service,
    startService,
    dataDir: dir,
  }) => {
    const { certPath, keyPath } = await opensslServerCertificate(dir, "service");
    const secure = await startService({
      env: {
        EDGE_PKI_TLS_CERT: certPath,
        EDGE_PKI_TLS_KEY: keyPath,
        EDGE_PKI_TLS_CLIENT_CERTIFICATES: "request",
      },
    });
    expect(secure.url).toMatch(/^https:/);
    const holder = await device(service, "listener-client");
    expect((await httpsRequest(`${secure.url}/v1/ca`)).status).toBe(200);
    expect((await httpsRequest(`${secure.url}/v1/ca`, holder)).status).toBe(200);
    // openssl, as an independent client, reads the names of the CAs the server asks for.
    const { port } = new URL(secure.url);
    const handshake = await openssl(
      ["s_client", "-connect", `127.0.0.1:${port}`, "-servername", "localhost"],
      { input: "" },
    );
    expect(handshake).toMatch(/Acceptable client certificate CA names[\s\S]*Edge PKI Issuing CA/);
    expect(handshake).toMatch(/Acceptable client certificate CA names[\s\S]*Edge PKI Root CA/);
  });
});

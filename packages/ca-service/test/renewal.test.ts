import { randomUUID, X509Certificate } from "node:crypto";
import type { CertificateList, CertificateRecord, IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { DAY_MS, fakeClock } from "./support/clock.js";
import { issueDevice, revoke } from "./support/crl.js";
import { it, test } from "./support/fixtures.js";
import type { OpenApiDocument, OpenApiOperation } from "./support/openapi.js";
import { type CsrKey, opensslCsr, type TempDir } from "./support/openssl.js";
import { csrForKey, csrSha256, renewalProof, unsignedProof, x5cOf } from "./support/renewal-proof.js";
import { type Answer, call, type TestService, type TestServiceOptions } from "./support/service.js";

test.override({ serviceOptions: { env: { EDGE_PKI_PUBLIC_URL: "https://pki.example.test" } } });

async function enrol(
  target: TestService,
  dir: TempDir,
  deviceId: string,
  key: CsrKey = "P-256",
  validityDays?: number,
) {
  const { csrPem, keyPath, keyPem } = await opensslCsr(dir, `/CN=${deviceId}`, key);
  const extra = validityDays === undefined ? {} : { validityDays };
  const issued = await issueDevice(target, dir, deviceId, csrPem, extra);
  return { deviceId, keyPath, keyPem, serialNumber: issued.serialNumber, fullChainPem: issued.fullChainPem };
}

const renew = (target: TestService, body: unknown) =>
  call<IssuedCertificate>(`${target.url}/v1/certificates/renew`, { body });

const certificateCount = async (service: TestService, deviceId: string) =>
  (
    await call<CertificateList>(`${service.url}/v1/devices/${deviceId}/certificates`, {
      token: service.adminToken,
    })
  ).body.items.length;

/** A refusal: the right status and code, problem+json, and nothing issued for the device. */
async function expectRefused(
  service: TestService,
  response: Answer<IssuedCertificate>,
  status: 400 | 401 | 403,
  detail: string | RegExp,
  deviceId: string,
  certificatesBefore = 1,
) {
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect({ status: response.status, detail: response.problem.detail }).toMatchObject({
    status,
    detail: expect.stringMatching(detail),
  });
  const code = { 400: expect.any(String), 401: "proof_invalid", 403: "renewal_refused" }[status];
  expect(response.problem.code).toEqual(code);
  if (status === 401) expect(response.headers.get("www-authenticate")).toBe('PoP realm="edge-pki"');
  expect(await certificateCount(service, deviceId)).toBe(certificatesBefore);
}

describe("renewal: the happy paths", () => {
  it("renews with the same key; the new certificate keeps CN and key, the audit names the old serial", async ({
    service,
    dataDir,
  }) => {
    const device = await enrol(service, dataDir, "renew-same-key");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-same-key");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    const response = await renew(service, { csr: csrPem, proof });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ deviceId: "renew-same-key" });
    expect(response.body.serialNumber).not.toBe(device.serialNumber);
    const before = new X509Certificate(device.fullChainPem);
    const after = new X509Certificate(response.body.certificatePem);
    expect(after.subject).toBe("CN=renew-same-key");
    expect(after.publicKey.export({ format: "jwk" })).toEqual(before.publicKey.export({ format: "jwk" }));
    const [, intermediatePem] =
      response.body.fullChainPem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const intermediate = new X509Certificate(intermediatePem ?? "");
    expect(after.checkIssued(intermediate) && after.verify(intermediate.publicKey)).toBe(true);

    const record = await call<CertificateRecord>(
      `${service.url}/v1/certificates/${response.body.serialNumber}`,
      {
        token: service.adminToken,
      },
    );
    expect(record.body.requester).toBe("device:renew-same-key");
    const audit = await service.context.store.listAudit({ limit: 1000 });
    expect(audit.find((event) => event.action === "certificate.renew")).toMatchObject({
      actor: "device:renew-same-key",
      target: "renew-same-key",
      details: { serialNumber: response.body.serialNumber, previousSerialNumber: device.serialNumber },
    });
  });

  it("renews onto a new key (P-256 to P-384), with a proof signed by the current key and the public-URL audience", async ({
    service,
    dataDir,
  }) => {
    const device = await enrol(service, dataDir, "renew-new-key");
    const { csrPem, keyPem } = await opensslCsr(dataDir, "/CN=renew-new-key", "P-384");
    const proof = await renewalProof({
      keyPem: device.keyPem,
      chainPem: device.fullChainPem,
      csrPem,
      audience: "https://pki.example.test/v1/certificates/renew",
    });
    const response = await renew(service, { csr: csrPem, proof });
    expect(response.status).toBe(201);
    const renewed = new X509Certificate(response.body.certificatePem);
    expect(renewed.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
    // The renewed certificate in turn renews, with the new key.
    const next = await csrForKey(dataDir, await dataDir.file("new-key.pem", keyPem), "/CN=renew-new-key");
    const again = await renew(service, {
      csr: next,
      proof: await renewalProof({ keyPem, alg: "ES384", chainPem: response.body.fullChainPem, csrPem: next }),
    });
    expect(again.status).toBe(201);
  });

  it("accepts RSA keys with PS256", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-rsa", "RSA-2048");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-rsa");
    const proof = await renewalProof({
      keyPem: device.keyPem,
      alg: "PS256",
      chainPem: device.fullChainPem,
      csrPem,
    });
    expect((await renew(service, { csr: csrPem, proof })).status).toBe(201);
  });
});

describe("renewal: refusals", () => {
  it("a revoked certificate never renews (403)", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-revoked");
    expect((await revoke(service, device.serialNumber, { reason: "keyCompromise" })).status).toBe(200);
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-revoked");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof }),
      403,
      /is revoked; revoked certificates never renew/,
      device.deviceId,
    );
  });

  it("a CSR with another CN (403)", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-cn");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=someone-else");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof }),
      403,
      /CN 'someone-else' differs/,
      device.deviceId,
    );
    expect(await certificateCount(service, "someone-else")).toBe(0);
  });

  it("a proof signed by another key than the x5c leaf's (401)", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-wrong-key");
    const { csrPem, keyPem } = await opensslCsr(dataDir, "/CN=renew-wrong-key");
    const proof = await renewalProof({ keyPem, chainPem: device.fullChainPem, csrPem });
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof }),
      401,
      /signature does not verify/,
      device.deviceId,
    );
  });

  it("an x5c chain from another CA, even one with the same names (401)", async ({
    service,
    dataDir,
    startService,
  }) => {
    const foreign = await startService();
    const device = await enrol(foreign, dataDir, "renew-foreign");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-foreign");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof }),
      401,
      /not issued by this CA/,
      device.deviceId,
      0,
    );
  });

  it("a wrong audience, an expired proof, a lifetime over 5 minutes, a csr_sha256 mismatch (401)", async ({
    service,
    dataDir,
  }) => {
    const device = await enrol(service, dataDir, "renew-claims");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-claims");
    const base = { keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem };
    const now = Math.floor(Date.now() / 1000);
    const cases: [Parameters<typeof renewalProof>[0], RegExp][] = [
      [{ ...base, audience: "https://elsewhere.example.test/v1/certificates/renew" }, /aud must be one of/],
      [{ ...base, issuedAt: now - 290, lifetimeSeconds: 200 }, /expired/],
      [{ ...base, lifetimeSeconds: 600 }, /at most 300 seconds/],
      [{ ...base, csrSha256: csrSha256(device.fullChainPem) }, /csr_sha256/],
    ];
    for (const [options, detail] of cases) {
      await expectRefused(
        service,
        await renew(service, { csr: csrPem, proof: await renewalProof(options) }),
        401,
        detail,
        device.deviceId,
      );
    }
  });

  it("alg none and HS256 keyed with the certificate (401)", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-alg");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-alg");
    const now = Math.floor(Date.now() / 1000);
    const claims = {
      aud: "edge-pki:renew",
      iat: now,
      exp: now + 60,
      jti: randomUUID(),
      csr_sha256: csrSha256(csrPem),
    };
    for (const alg of ["none", "HS256"]) {
      const proof = unsignedProof({ alg, x5c: x5cOf(device.fullChainPem) }, claims);
      await expectRefused(
        service,
        await renew(service, { csr: csrPem, proof }),
        401,
        new RegExp(`alg '${alg}' is not accepted`),
        device.deviceId,
      );
    }
  });

  it("a replayed proof (401), also after the first use succeeded", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-replay");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-replay");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    expect((await renew(service, { csr: csrPem, proof })).status).toBe(201);
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof }),
      401,
      /jti was already used/,
      device.deviceId,
      2,
    );
  });

  it("a certificate renews once: renewing it again gets 403, the newest one renews", async ({
    service,
    dataDir,
  }) => {
    const device = await enrol(service, dataDir, "renew-once");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-once");
    const proofFor = (chainPem: string) => renewalProof({ keyPem: device.keyPem, chainPem, csrPem });
    const first = await renew(service, { csr: csrPem, proof: await proofFor(device.fullChainPem) });
    expect(first.status).toBe(201);
    const again = await renew(service, { csr: csrPem, proof: await proofFor(device.fullChainPem) });
    await expectRefused(
      service,
      again,
      403,
      /is already renewed; renew the newest certificate/,
      device.deviceId,
      2,
    );
    expect(again.problem.detail).toBe(
      `certificate ${device.serialNumber} is already renewed; renew the newest certificate (${first.body.serialNumber})`,
    );
    const stored = await service.context.store.findBySerialNumber(device.serialNumber);
    expect(stored?.supersededBy).toBe(first.body.serialNumber);
    expect(
      (await renew(service, { csr: csrPem, proof: await proofFor(first.body.fullChainPem) })).status,
    ).toBe(201);
  });

  it("two renewals of one certificate racing: exactly one 201", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-race");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-race");
    const proofs = await Promise.all(
      Array.from({ length: 6 }, () =>
        renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem }),
      ),
    );
    const responses = await Promise.all(proofs.map((proof) => renew(service, { csr: csrPem, proof })));
    expect(responses.map((response) => response.status).sort()).toEqual([201, 403, 403, 403, 403, 403]);
    for (const refused of responses.filter((response) => response.status === 403)) {
      expect(refused.problem).toMatchObject({
        code: "renewal_refused",
        detail: expect.stringMatching(/already renewed/),
      });
    }
    expect(await certificateCount(service, "renew-race")).toBe(2);
  });

  it("bad input gets 400 problem+json and stores nothing", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-input");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-input");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    await expectRefused(service, await renew(service, { csr: csrPem }), 400, /proof/, device.deviceId);
    await expectRefused(
      service,
      await renew(service, { csr: "not a csr", proof }),
      400,
      /CERTIFICATE REQUEST/,
      device.deviceId,
    );
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof, deviceId: "x" }),
      400,
      /unknown field/,
      device.deviceId,
    );
    await expectRefused(
      service,
      await renew(service, { csr: csrPem, proof: "not.a.jws" }),
      401,
      /compact JWS/,
      device.deviceId,
    );
    // None of that used up the proof.
    expect((await renew(service, { csr: csrPem, proof })).status).toBe(201);
  });
});

describe("renewal: refusals are audited and charged to the address's failure budget", () => {
  const refusals = async (service: TestService) =>
    (await service.context.store.listAudit({ limit: 10_000 })).filter((e) => e.action === "renewal.refused");

  it("names the device when the proof verified, the anonymous caller when it did not", async ({
    service,
    dataDir,
  }) => {
    const device = await enrol(service, dataDir, "renew-audited");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-audited");
    const base = { keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem };
    const before = (await refusals(service)).length;
    // A csr_sha256 mismatch: the proof verified, so the device is known.
    await renew(service, {
      csr: csrPem,
      proof: await renewalProof({ ...base, csrSha256: csrSha256(device.fullChainPem) }),
    });
    // Signed by another key: nobody is established.
    const { keyPem: otherKey } = await opensslCsr(dataDir, "/CN=renew-audited");
    await renew(service, { csr: csrPem, proof: await renewalProof({ ...base, keyPem: otherKey }) });
    // A replayed jti, and a CSR for another device: known devices again.
    const proof = await renewalProof(base);
    expect((await renew(service, { csr: csrPem, proof })).status).toBe(201);
    await renew(service, { csr: csrPem, proof });
    const newer = await refusals(service);
    expect(newer.slice(before)).toEqual([
      expect.objectContaining({
        actor: "device:renew-audited",
        target: "renew-audited",
        outcome: "failure",
        details: {
          reason: "csr_sha256 is not the base64url SHA-256 of this CSR's DER",
          code: "proof_invalid",
          serialNumber: device.serialNumber,
        },
      }),
      expect.objectContaining({
        actor: "anonymous@127.0.0.1",
        target: "POST /v1/certificates/renew",
        details: expect.objectContaining({
          code: "proof_invalid",
          reason: expect.stringMatching(/signature/),
        }),
      }),
      expect.objectContaining({
        actor: "device:renew-audited",
        details: expect.objectContaining({ reason: "this proof's jti was already used; sign a new proof" }),
      }),
    ]);
  });

  it("a revoked certificate's attempt is audited as renewal_refused", async ({ service, dataDir }) => {
    const device = await enrol(service, dataDir, "renew-audited-revoked");
    expect((await revoke(service, device.serialNumber, { reason: "keyCompromise" })).status).toBe(200);
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-audited-revoked");
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    expect((await renew(service, { csr: csrPem, proof })).status).toBe(403);
    expect((await refusals(service)).at(-1)).toMatchObject({
      actor: "device:renew-audited-revoked",
      details: { code: "renewal_refused", serialNumber: device.serialNumber },
    });
  });

  it("bad proofs spend the failure budget: over it, 429", async ({ dataDir, startService }) => {
    const limited = await startService({ env: { EDGE_PKI_AUTH_FAILURES_PER_MINUTE: "2" } });
    const device = await enrol(limited, dataDir, "renew-budget");
    const csrPem = await csrForKey(dataDir, device.keyPath, "/CN=renew-budget");
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1)
      statuses.push((await renew(limited, { csr: csrPem, proof: "not.a.jws" })).status);
    expect(statuses).toEqual([401, 401, 429]);
    // A good proof from the same address still renews.
    const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
    expect((await renew(limited, { csr: csrPem, proof })).status).toBe(201);
  });
});

describe("renewal after expiry", () => {
  /** A service of the test's own on a clock the test moves, and a device whose certificate lasts a day. */
  async function expiredDevice(
    startService: (options: TestServiceOptions) => Promise<TestService>,
    dataDir: TempDir,
    graceDays: string,
  ) {
    const clock = fakeClock();
    const target = await startService({ clock, env: { EDGE_PKI_RENEWAL_GRACE_DAYS: graceDays } });
    const device = await enrol(target, dataDir, `expired-grace-${graceDays}`, "P-256", 1);
    const csrPem = await csrForKey(dataDir, device.keyPath, `/CN=${device.deviceId}`);
    const proofAt = () =>
      renewalProof({
        keyPem: device.keyPem,
        chainPem: device.fullChainPem,
        csrPem,
        issuedAt: clock.epochSeconds(),
      });
    return { target, clock, csrPem, proofAt };
  }

  it("refuses an expired certificate when there is no grace period (403)", async ({
    dataDir,
    startService,
  }) => {
    const { target, clock, csrPem, proofAt } = await expiredDevice(startService, dataDir, "0");
    clock.advance(2 * DAY_MS);
    const response = await renew(target, { csr: csrPem, proof: await proofAt() });
    expect(response.status).toBe(403);
    expect(response.problem).toMatchObject({ code: "renewal_refused" });
    expect(response.problem.detail).toMatch(/expired at .+Z$/);
  });

  it("renews within the grace period, refuses after it (403)", async ({ dataDir, startService }) => {
    const { target, clock, csrPem, proofAt } = await expiredDevice(startService, dataDir, "7");
    clock.advance(3 * DAY_MS);
    expect((await renew(target, { csr: csrPem, proof: await proofAt() })).status).toBe(201);
    clock.advance(6 * DAY_MS);
    const late = await renew(target, { csr: csrPem, proof: await proofAt() });
    expect(late.status).toBe(403);
    expect(late.problem.detail).toMatch(/7-day renewal grace period is over/);
  });
});

describe("OpenAPI", () => {
  it("lists the renewal, revocation and CRL endpoints with their schemas", async ({ service }) => {
    const { body } = await call<OpenApiDocument>(`${service.url}/openapi.json`);
    const renewal = body.paths["/v1/certificates/renew"]?.post;
    // Named schemas are components, referenced from the operation.
    const schemaOf = (operation: OpenApiOperation | undefined, name: string) => {
      expect(operation?.requestBody?.content["application/json"]?.schema).toEqual({
        $ref: `#/components/schemas/${name}`,
      });
      return body.components.schemas[name];
    };
    expect(schemaOf(renewal, "RenewRequest")?.required).toEqual(["csr", "proof"]);
    expect(Object.keys(renewal?.responses ?? {})).toEqual(expect.arrayContaining(["201", "401", "403"]));
    const revoke = body.paths["/v1/certificates/{serialNumber}/revoke"]?.post;
    const reasons = schemaOf(revoke, "RevokeRequest")?.properties?.reason?.enum;
    expect(reasons).toContain("keyCompromise");
    expect(reasons).not.toContain("certificateHold");
    expect(Object.keys(body.paths["/v1/crl"]?.get?.responses["200"]?.content ?? {})).toEqual([
      "application/pkix-crl",
    ]);
    expect(body.paths["/v1/crl.pem"]).toBeDefined();
  });
});

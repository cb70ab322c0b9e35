import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import type {
  CaInfo,
  CertificateList,
  CertificateRecord,
  IssuedCertificate,
  IssuedCredentials,
} from "@edge-pki/api-contract";
import { validate } from "@readme/openapi-parser";
import BetterSqlite3 from "better-sqlite3";
import type { JSONWebKeySet } from "jose";
import { describe, expect } from "vitest";
import { countRows } from "./support/database.js";
import { it } from "./support/fixtures.js";
import type { OpenApiDocument } from "./support/openapi.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

const DAY = 86_400_000;

describe("POST /v1/certificates", () => {
  it("issues for the CSR's CN, records it, and reports the policy cap", async ({ service, dataDir }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=sensor-0001");
    const before = Date.now();
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem, deviceId: "sensor-0001", validityDays: 1000 },
    });
    expect(issued.status).toBe(201);
    expect(issued.body).toMatchObject({ deviceId: "sensor-0001", notAfterCappedBy: "policy" });
    const notBefore = Date.parse(issued.body.notBefore);
    const notAfter = Date.parse(issued.body.notAfter);
    expect(notBefore).toBeGreaterThanOrEqual(before - 5 * 60_000 - 2000);
    expect(notBefore).toBeLessThanOrEqual(Date.now() - 5 * 60_000 + 1000);
    expect(Math.round((notAfter - notBefore) / 60_000)).toBe(365 * 24 * 60 + 5);
    const certificate = new X509Certificate(issued.body.certificatePem);
    expect(new Date(certificate.validTo).getTime()).toBe(notAfter);
    // The record and the response say exactly what the certificate says.
    expect(new Date(certificate.validFrom).getTime()).toBe(notBefore);
    expect(certificate.serialNumber.toLowerCase()).toBe(issued.body.serialNumber);

    const record = await call<CertificateRecord>(
      `${service.url}/v1/certificates/${issued.body.serialNumber.toUpperCase()}`,
      {
        token: service.adminToken,
      },
    );
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({
      serialNumber: issued.body.serialNumber,
      deviceId: "sensor-0001",
      profile: "device",
      status: "valid",
      keyAlgorithm: "ECDSA_P256",
      notAfter: issued.body.notAfter,
      revokedAt: null,
      certificatePem: issued.body.certificatePem,
    });
    const colons = issued.body.serialNumber.toUpperCase().match(/../g)?.join(":");
    expect(colons).toMatch(/^([0-9A-F]{2}:)+[0-9A-F]{2}$/);
    for (const form of [colons, `00${issued.body.serialNumber}`]) {
      const byForm = await call<CertificateRecord>(`${service.url}/v1/certificates/${form}`, {
        token: service.adminToken,
      });
      expect(byForm.body.serialNumber).toBe(issued.body.serialNumber);
    }
    expect(record.body.sha256Fingerprint).toBe(certificate.fingerprint256.replaceAll(":", "").toLowerCase());
    expect(record.body.requester).toBe("token:local-admin");
  });

  it("gives what was asked when no limit cuts it, without notAfterCappedBy", async ({ service, dataDir }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=short-lived", "P-384");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem, validityDays: 7, strict: true },
    });
    expect(issued.status).toBe(201);
    expect(issued.body.notAfterCappedBy).toBeUndefined();
    expect(Date.parse(issued.body.notAfter) - Date.parse(issued.body.notBefore)).toBeCloseTo(
      7 * DAY + 5 * 60_000,
      -4,
    );
  });

  it("takes the deviceId for a CSR without a CN, and the subject is exactly CN=<deviceId>", async ({
    service,
    dataDir,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/O=Tooling that leaves the CN out");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem, deviceId: "no-cn-device" },
    });
    expect(issued.status).toBe(201);
    expect(new X509Certificate(issued.body.certificatePem).subject).toBe("CN=no-cn-device");
  });

  it("lists a device's certificates newest first", async ({ service, dataDir }) => {
    const serials: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { csrPem } = await opensslCsr(dataDir, "/CN=listed-device");
      const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        body: { csr: csrPem },
      });
      serials.push(issued.body.serialNumber);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const list = await call<CertificateList>(`${service.url}/v1/devices/listed-device/certificates`, {
      token: service.adminToken,
    });
    expect(list.status).toBe(200);
    expect(list.body.items.map((item) => item.serialNumber)).toEqual(serials.reverse());
    const limited = await call<CertificateList>(
      `${service.url}/v1/devices/listed-device/certificates?limit=1`,
      {
        token: service.adminToken,
      },
    );
    expect(limited.body.items).toHaveLength(1);
    expect(
      (
        await call<CertificateList>(`${service.url}/v1/devices/nobody/certificates`, {
          token: service.adminToken,
        })
      ).body.items,
    ).toEqual([]);
  });
});

describe("POST /v1/credentials", () => {
  for (const keyAlgorithm of ["ECDSA_P256", "ECDSA_P384", "RSA_2048"] as const) {
    it(`generates a ${keyAlgorithm} key that matches its certificate and is never stored`, async ({
      service,
      dataDir,
    }) => {
      const deviceId = `line7-${keyAlgorithm.toLowerCase()}`;
      const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId, keyAlgorithm },
      });
      expect(issued.status).toBe(201);
      expect(issued.headers.get("cache-control")).toBe("no-store");
      expect(issued.body.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(issued.body.pfxBase64).toBeUndefined();
      const key = createPrivateKey(issued.body.privateKeyPem);
      const certificate = new X509Certificate(issued.body.certificatePem);
      expect(certificate.checkPrivateKey(key)).toBe(true);
      expect(certificate.subject).toBe(`CN=${deviceId}`);
      const keyPath = await dataDir.file(`${deviceId}.key.pem`, issued.body.privateKeyPem);
      // openssl reads it without a passphrase, as IoT Edge's keyd must.
      expect(await openssl(["pkey", "-in", keyPath, "-passin", "pass:", "-noout"])).toBe("");
      const record = await call<CertificateRecord>(
        `${service.url}/v1/certificates/${issued.body.serialNumber}`,
        {
          token: service.adminToken,
        },
      );
      expect(record.body.keyAlgorithm).toBe(keyAlgorithm);
      expect(JSON.stringify(record.body)).not.toContain("PRIVATE KEY");
      const pkcs8 = issued.body.privateKeyPem.replace(/-----[^-]+-----|\s/g, "");
      const database = new BetterSqlite3(`${service.dataDir}/edge-pki.sqlite`, { readonly: true });
      const dump = JSON.stringify(database.prepare("select * from certificates").all());
      const audit = JSON.stringify(database.prepare("select * from audit_log").all());
      database.close();
      expect(dump).not.toContain(pkcs8.slice(20, 80));
      expect(audit).not.toContain(pkcs8.slice(20, 80));
    });
  }

  it("returns a PKCS#12 that openssl opens with the password, holding the key and the full chain", async ({
    service,
    dataDir,
  }) => {
    const password = "factory line 7 ✓";
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      token: service.adminToken,
      body: { deviceId: "pfx-device", pfxPassword: password },
    });
    expect(issued.status).toBe(201);
    const pfxPath = await dataDir.file("device.pfx", Buffer.from(issued.body.pfxBase64 ?? "", "base64"));
    const passPath = await dataDir.file("pass.txt", password);
    const dump = await openssl(["pkcs12", "-in", pfxPath, "-passin", `file:${passPath}`, "-noenc"]);
    const certificates = dump.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    const chain = issued.body.fullChainPem.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    );
    expect(certificates).toEqual(chain);
    const key = dump.match(/-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/)?.[0] ?? "";
    expect(createPublicKey(key).export({ format: "jwk" })).toEqual(
      createPublicKey(issued.body.privateKeyPem).export({ format: "jwk" }),
    );
    const wrong = await openssl(["pkcs12", "-in", pfxPath, "-passin", "pass:wrong", "-noenc"]).catch(
      (e: Error) => e.message,
    );
    expect(wrong).toMatch(/mac verify failure|Mac verify error/i);
  });

  it("records every issuance with an audit entry", async ({ service }) => {
    const certificates = countRows(service.dataDir, "certificates");
    const audit = countRows(service.dataDir, "audit_log");
    await call(`${service.url}/v1/credentials`, { token: service.adminToken, body: { deviceId: "audited" } });
    expect(countRows(service.dataDir, "certificates")).toBe(certificates + 1);
    expect(countRows(service.dataDir, "audit_log")).toBe(audit + 1);
  });
});

describe("public CA material", () => {
  it("serves the root, the chain and the fingerprint consistently", async ({ service }) => {
    const ca = await call<CaInfo>(`${service.url}/v1/ca`);
    expect(ca.status).toBe(200);
    const root = await fetch(`${service.url}/v1/ca/root.pem`);
    expect(root.headers.get("content-type")).toMatch(/^application\/x-pem-file/);
    expect(await root.text()).toBe(ca.body.rootCertificatePem);
    const chain = await (await fetch(`${service.url}/v1/ca/chain.pem`)).text();
    expect(chain).toBe(ca.body.chainPem);
    expect(chain.indexOf(ca.body.intermediateCertificatePem.trim())).toBe(0);
    const fingerprint = new X509Certificate(ca.body.rootCertificatePem).fingerprint256
      .replaceAll(":", "")
      .toLowerCase();
    expect(ca.body.rootSha256Fingerprint).toBe(fingerprint);
    expect(ca.body.notAfter).toBe(
      new Date(new X509Certificate(ca.body.intermediateCertificatePem).validTo).toISOString(),
    );
  });

  it("records the CA's own certificates like every other it hands out", async ({ service }) => {
    const ca = await call<CaInfo>(`${service.url}/v1/ca`);
    for (const [profile, pem] of [
      ["root", ca.body.rootCertificatePem],
      ["intermediate", ca.body.intermediateCertificatePem],
    ] as const) {
      const serial = new X509Certificate(pem).serialNumber.toLowerCase();
      const record = await call<CertificateRecord>(`${service.url}/v1/certificates/${serial}`, {
        token: service.adminToken,
      });
      expect(record.body).toMatchObject({
        profile,
        deviceId: null,
        status: "valid",
        keyAlgorithm: "ECDSA_P256",
      });
      expect(record.body.certificatePem.trim()).toBe(pem.trim());
    }
    const jwks = await call<JSONWebKeySet>(`${service.url}/.well-known/jwks.json`);
    const signerDer = Buffer.from(jwks.body.keys[0]?.x5c?.[0] ?? "", "base64");
    const serial = new X509Certificate(signerDer).serialNumber.toLowerCase();
    const signer = await call<CertificateRecord>(`${service.url}/v1/certificates/${serial}`, {
      token: service.adminToken,
    });
    expect(signer.body.profile).toBe("token-signer");
    // Recorded once: a restart does not add them again.
    const before = countRows(service.dataDir, "certificates");
    await service.restart();
    expect(countRows(service.dataDir, "certificates")).toBe(before);
  });

  it("publishes an OpenAPI document generated from the request schemas", async ({ service }) => {
    const openapi = await call<OpenApiDocument>(`${service.url}/openapi.json`);
    expect(openapi.body.openapi).toBe("3.1.0");
    const issue = openapi.body.paths["/v1/certificates"]?.post;
    expect(issue?.requestBody?.content["application/json"]?.schema).toEqual({
      $ref: "#/components/schemas/IssueCertificateRequest",
    });
    const schema = openapi.body.components.schemas.IssueCertificateRequest;
    expect(JSON.stringify(openapi.body)).not.toContain('"$id"');
    expect(schema?.required).toEqual(["csr"]);
    expect(schema?.additionalProperties).toBe(false);
    expect(schema?.properties?.deviceId?.pattern).toBe("^[A-Za-z0-9\\-._:]{0,63}[A-Za-z0-9-]$");
    expect(Object.keys(issue?.responses ?? {})).toEqual(expect.arrayContaining(["201", "400", "413", "503"]));
    expect(openapi.body.paths["/v1/certificates/{serialNumber}"]?.get?.parameters?.[0]).toMatchObject({
      name: "serialNumber",
      in: "path",
      required: true,
    });
    // An independent validator: the document must be valid OpenAPI 3.1 with every $ref resolving.
    // Its own copy, read from the text: the validator resolves references in what it is given.
    const validation = await validate(JSON.parse(openapi.text));
    expect(validation.valid ? [] : validation.errors).toEqual([]);
    for (const path of [
      "/v1/credentials",
      "/v1/ca",
      "/v1/ca/root.pem",
      "/v1/ca/chain.pem",
      "/healthz",
      "/readyz",
    ]) {
      expect(openapi.body.paths[path]).toBeDefined();
    }
  });

  it("answers health and readiness", async ({ service }) => {
    expect((await call(`${service.url}/healthz`)).body).toEqual({ status: "ok" });
    expect((await call(`${service.url}/readyz`)).body).toMatchObject({ status: "ok" });
  });
});

import { createPublicKey, randomUUID, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CaInfo, IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { certificateRecord } from "../src/app/certificate-record.js";
import { recogniseDeviceCertificate } from "../src/app/recognise-device-certificate.js";
import { signDeviceCertificate } from "../src/core/device-certificate.js";
import { randomSerialNumber } from "../src/core/serial-number.js";
import { computeValidity } from "../src/core/validity.js";
import { countRows } from "./support/database.js";
import { integer, tlv, utf8String } from "./support/der.js";
import { it } from "./support/fixtures.js";
import { csrWithSubject, exponentOneCsr, exponentOneKey, subjectWithCn } from "./support/forged-keys.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import { csrForKey, csrSha256, x5cOf } from "./support/renewal-proof.js";
import { call, type TestService } from "./support/service.js";

const issue = (service: TestService, csr: string) =>
  call<IssuedCertificate>(`${service.url}/v1/certificates`, { token: service.adminToken, body: { csr } });

/** Refused with this status and code, and nothing recorded. */
async function expectRefused(service: TestService, csr: string, code: string, detail: RegExp) {
  const before = countRows(service.dataDir, "certificates");
  const response = await issue(service, csr);
  expect({ status: response.status, code: response.problem.code }).toEqual({ status: 400, code });
  expect(response.problem.detail).toMatch(detail);
  expect(countRows(service.dataDir, "certificates")).toBe(before);
}

describe("RSA public exponents", () => {
  it("refuses e = 1, whose signature anyone can forge, before anything is signed", async ({ service }) => {
    await expectRefused(
      service,
      exponentOneCsr("rsa-e1"),
      "unsupported_key",
      /public exponent 1 is not accepted: use 65537/,
    );
  });

  it("refuses e = 3, and takes e = 65537", async ({ service, dataDir: dir }) => {
    const keyPath = join(dir.path, "e3.key.pem");
    await openssl([
      "genpkey",
      "-algorithm",
      "RSA",
      "-pkeyopt",
      "rsa_keygen_bits:2048",
      "-pkeyopt",
      "rsa_keygen_pubexp:3",
      "-out",
      keyPath,
    ]);
    await expectRefused(
      service,
      await csrForKey(dir, keyPath, "/CN=rsa-e3"),
      "unsupported_key",
      /public exponent 3 is not accepted/,
    );
    const { csrPem } = await opensslCsr(dir, "/CN=rsa-e65537", "RSA-2048");
    expect((await issue(service, csrPem)).status).toBe(201);
  });

  it("refuses a renewal proof from a certificate whose key has e = 1 (one issued before this check)", async ({
    service,
    dataDir: dir,
  }) => {
    // Such a certificate can no longer be issued; sign one directly, as an older version would have.
    const key = exponentOneKey();
    const { context } = service;
    const ca = await context.issuingCa.current();
    const now = context.clock.now();
    const certificate = await signDeviceCertificate({
      ca,
      deviceId: "legacy-e1",
      publicKeySpki: key.spki,
      keyAlgorithm: "RSA_2048",
      validity: computeValidity({ now, policyMaxDays: 30, issuerNotAfter: ca.certificate.notAfter }),
      serialNumber: randomSerialNumber(context.random),
    });
    const record = certificateRecord(certificate, {
      profile: "device",
      deviceId: "legacy-e1",
      keyAlgorithm: "RSA_2048",
      issuedAt: now,
      requester: "test",
    });
    await context.store.recordIssuance({
      certificate: record,
      audit: { at: now, actor: "test", action: "certificate.issue", target: "legacy-e1", outcome: "success" },
    });
    // The attacker's new key and CSR, and a proof "signed" by the e = 1 key: anyone who saw the
    // certificate can make one.
    const { csrPem } = await opensslCsr(dir, "/CN=legacy-e1");
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const issuedAt = Math.floor(Date.now() / 1000);
    const header = encode({ alg: "RS256", x5c: x5cOf(certificate.toString("pem")) });
    const claims = encode({
      aud: "edge-pki:renew",
      iat: issuedAt,
      exp: issuedAt + 60,
      jti: randomUUID(),
      csr_sha256: csrSha256(csrPem),
    });
    const signature = Buffer.from(key.sign(new TextEncoder().encode(`${header}.${claims}`))).toString(
      "base64url",
    );
    const response = await call(`${service.url}/v1/certificates/renew`, {
      body: { csr: csrPem, proof: `${header}.${claims}.${signature}` },
    });
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: "proof_invalid",
    });
    expect(response.body.detail).toMatch(/not one this CA issues for/);
    expect((await service.context.store.findBySerialNumber(record.serialNumber))?.supersededBy).toBeNull();
    // Nor does that certificate, presented as a TLS client certificate, authenticate its device.
    await expect(
      recogniseDeviceCertificate(context, new Uint8Array(certificate.rawData)),
    ).rejects.toMatchObject({ code: "forbidden", message: /not one this CA issues for/ });
  });
});

describe("the CSR's CN", () => {
  it("must be text: an INTEGER, OCTET STRING or BIT STRING CN is refused", async ({ service }) => {
    const values = {
      INTEGER: integer(0x1234567890n),
      "OCTET STRING": tlv(0x04, new TextEncoder().encode("octets-1")),
      "BIT STRING": tlv(0x03, new Uint8Array([0, 0x41, 0x42])),
    };
    for (const [type, value] of Object.entries(values)) {
      const { csrPem } = csrWithSubject(subjectWithCn(value));
      const response = await issue(service, csrPem);
      expect({ type, status: response.status, code: response.problem.code }).toEqual({
        type,
        status: 400,
        code: "invalid_csr",
      });
      expect(response.problem.detail).toBe(
        "the CSR's CN is not a text string (such as UTF8String or PrintableString)",
      );
    }
  });

  it("is taken as UTF8String, PrintableString or IA5String", async ({ service }) => {
    const values = {
      "cn-utf8": utf8String("cn-utf8"),
      "cn-printable": tlv(0x13, new TextEncoder().encode("cn-printable")),
      "cn-ia5": tlv(0x16, new TextEncoder().encode("cn-ia5")),
    };
    for (const [deviceId, value] of Object.entries(values)) {
      const response = await issue(service, csrWithSubject(subjectWithCn(value)).csrPem);
      expect({ deviceId, status: response.status, issued: response.body.deviceId }).toEqual({
        deviceId,
        status: 201,
        issued: deviceId,
      });
    }
  });
});

describe("compressed EC points", () => {
  for (const [curve, uncompressedLength] of [
    ["P-256", 91],
    ["P-384", 120],
  ] as const) {
    it(`a ${curve} key sent compressed is certified with the same point uncompressed`, async ({
      service,
      dataDir: dir,
    }) => {
      const keyPath = join(dir.path, `compressed-${curve}.key.pem`);
      const plainPath = join(dir.path, `plain-${curve}.key.pem`);
      await openssl([
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        `ec_paramgen_curve:${curve}`,
        "-out",
        plainPath,
      ]);
      await openssl(["ec", "-in", plainPath, "-conv_form", "compressed", "-out", keyPath]);
      const deviceId = `compressed-${curve.toLowerCase()}`;
      const csrPem = await csrForKey(dir, keyPath, `/CN=${deviceId}`);
      const csrKey = await openssl([
        "req",
        "-in",
        await dir.file(`${deviceId}.csr`, csrPem),
        "-noout",
        "-pubkey",
      ]);
      // openssl really did put a compressed point in the request.
      expect(createPublicKey(csrKey).export({ type: "spki", format: "der" }).length).toBeLessThan(
        uncompressedLength,
      );

      const response = await issue(service, csrPem);
      expect(response.status).toBe(201);
      const certificate = new X509Certificate(response.body.certificatePem);
      const spki = certificate.publicKey.export({ type: "spki", format: "der" });
      expect(spki.length).toBe(uncompressedLength);
      expect(certificate.publicKey.export({ format: "jwk" })).toEqual(
        createPublicKey(csrKey).export({ format: "jwk" }),
      );
      // The device's own key matches its certificate, and the chain verifies.
      expect(
        certificate.checkPrivateKey((await import("node:crypto")).createPrivateKey(await readFile(keyPath))),
      ).toBe(true);
      const chain = await dir.file(`${deviceId}.chain.pem`, response.body.fullChainPem);
      const ca = await call<CaInfo>(`${service.url}/v1/ca`);
      const root = await dir.file("root.pem", ca.body.rootCertificatePem);
      expect(await openssl(["verify", "-CAfile", root, "-untrusted", chain, chain])).toContain(": OK");
    });
  }
});

import { readFile } from "node:fs/promises";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { countRows } from "./support/database.js";
import { test } from "./support/fixtures.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

// One well-formed CSR for the file; the tests break it in their own ways.
const it = test.extend("goodCsr", { scope: "file" }, async ({ dataDir }) => {
  return (await opensslCsr(dataDir, "/CN=good-device")).csrPem;
});

/** Sends a request that must be refused, and checks the refusal and that nothing was stored. */
async function expectRefused(
  service: TestService,
  path: string,
  request: Parameters<typeof call>[1],
  expected: { status: number; code: string; detail: RegExp; field?: string },
) {
  const before = countRows(service.dataDir, "certificates");
  const response = await call(`${service.url}${path}`, { token: service.adminToken, ...request });
  expect(response.status).toBe(expected.status);
  expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({
    type: `urn:edge-pki:problem:${expected.code}`,
    status: expected.status,
    code: expected.code,
  });
  expect(typeof response.body.title).toBe("string");
  expect(response.body.detail).toMatch(expected.detail);
  if (expected.field !== undefined) {
    expect(response.body.errors?.map((e) => e.field)).toContain(expected.field);
  }
  expect(countRows(service.dataDir, "certificates")).toBe(before);
  return response;
}

describe("bad input is refused with problem+json and nothing is stored", () => {
  it("garbage instead of a PEM CSR", async ({ service }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: "hello" } },
      { status: 400, code: "invalid_csr", detail: /exactly one PEM/, field: "csr" },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n" } },
      { status: 400, code: "invalid_csr", detail: /not a valid PKCS#10/, field: "csr" },
    );
  });

  it("a CSR whose signature is broken (no proof of possession)", async ({ service, goodCsr, dataDir }) => {
    const der = Buffer.from(goodCsr.replace(/-----[^-]+-----|\s/g, ""), "base64");
    der[der.length - 5] = (der[der.length - 5] ?? 0) ^ 0x01; // inside the signature's r/s
    const broken = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;
    const path = await dataDir.file("broken.csr", broken);
    const check = await openssl(["req", "-in", path, "-noout", "-verify"]).catch((e: Error) => e.message);
    expect(check).toMatch(/verify failure|bad signature|Command failed/i);
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: broken } },
      {
        status: 400,
        code: "csr_signature_invalid",
        detail: /proof of possession|cannot be verified/,
        field: "csr",
      },
    );
  });

  it("a CSR with trailing bytes, mismatched PEM labels, or a second PEM block", async ({
    service,
    goodCsr,
    dataDir,
  }) => {
    const der = Buffer.from(goodCsr.replace(/-----[^-]+-----|\s/g, ""), "base64");
    const trailing = Buffer.concat([der, Buffer.from("\0\0junk")]).toString("base64");
    await expectRefused(
      service,
      "/v1/certificates",
      {
        body: {
          csr: `-----BEGIN CERTIFICATE REQUEST-----\n${trailing}\n-----END CERTIFICATE REQUEST-----\n`,
        },
      },
      { status: 400, code: "invalid_csr", detail: /trailing bytes/, field: "csr" },
    );
    const mismatched = goodCsr.replace("BEGIN CERTIFICATE REQUEST", "BEGIN NEW CERTIFICATE REQUEST");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: mismatched } },
      { status: 400, code: "invalid_csr", detail: /exactly one PEM/, field: "csr" },
    );
    const { keyPem } = await opensslCsr(dataDir, "/CN=key-pasted-too");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: `${keyPem}${goodCsr}` } },
      { status: 400, code: "invalid_csr", detail: /exactly one PEM/, field: "csr" },
    );
    const old = goodCsr.replaceAll("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST").replaceAll("\n", "\r\n");
    const accepted = await call(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: `preamble\r\n${old}` },
    });
    expect(accepted.status).toBe(201);
  });

  it("an EC key with explicit curve parameters", async ({ service, dataDir }) => {
    const keyPath = await dataDir.file("explicit.key", "");
    await openssl([
      "genpkey",
      "-algorithm",
      "EC",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-pkeyopt",
      "ec_param_enc:explicit",
      "-out",
      keyPath,
    ]);
    const csrPath = `${dataDir.path}/explicit.csr`;
    await openssl(["req", "-new", "-key", keyPath, "-subj", "/CN=explicit", "-out", csrPath]);
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: await readFile(csrPath, "utf8") } },
      { status: 400, code: "unsupported_key", detail: /explicit curve parameters/ },
    );
  });

  it("a deviceId that differs from the CSR's CN", async ({ service, goodCsr }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: goodCsr, deviceId: "other-device" } },
      {
        status: 400,
        code: "device_id_mismatch",
        detail: /does not equal the CSR's CN 'good-device'/,
        field: "deviceId",
      },
    );
  });

  it("device IDs outside the DPS rule: illegal characters, 65 characters, empty", async ({
    service,
    dataDir,
  }) => {
    for (const deviceId of ["dev ice", "dev/1", "dévice", "a".repeat(65), "", "dev#1"]) {
      await expectRefused(
        service,
        "/v1/credentials",
        { body: { deviceId } },
        { status: 400, code: "invalid_request", detail: /1 to 64 characters/, field: "deviceId" },
      );
    }
    const { csrPem } = await opensslCsr(dataDir, "/CN=has space");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: csrPem } },
      { status: 400, code: "invalid_device_id", detail: /1 to 64 characters/ },
    );
    const long = await opensslCsr(dataDir, `/CN=${"x".repeat(64)}`);
    const ok = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: long.csrPem },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.deviceId).toHaveLength(64);
  });

  it("keys outside the allow-list: RSA-1024, secp256k1, P-521, Ed25519", async ({ service, dataDir }) => {
    const cases = [
      ["RSA-1024", /RSA-1024 is not accepted/],
      ["secp256k1", /curve secp256k1 is not accepted/],
      ["P-521", /curve secp521r1 is not accepted/],
      ["ED25519", /ed25519 keys are not accepted/],
    ] as const;
    for (const [key, detail] of cases) {
      const { csrPem } = await opensslCsr(dataDir, `/CN=key-${key}`, key);
      await expectRefused(
        service,
        "/v1/certificates",
        { body: { csr: csrPem } },
        { status: 400, code: "unsupported_key", detail },
      );
    }
  });

  it("a SHA-1 signed CSR, a CSR with two CNs, and one with no CN and no deviceId", async ({
    service,
    dataDir,
  }) => {
    const sha1 = await opensslCsr(dataDir, "/CN=sha1-device", "P-256", "sha1");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: sha1.csrPem } },
      {
        status: 400,
        code: "invalid_csr",
        detail: /signature algorithm ECDSA\/SHA-1 is not accepted/,
        field: "csr",
      },
    );
    const twoNames = await opensslCsr(dataDir, "/CN=first/CN=second");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: twoNames.csrPem } },
      { status: 400, code: "invalid_csr", detail: /more than one CN/, field: "csr" },
    );
    const noName = await opensslCsr(dataDir, "/O=No Common Name");
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: noName.csrPem } },
      { status: 400, code: "invalid_csr", detail: /no CN/, field: "csr" },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: noName.csrPem, deviceId: "bad id" } },
      { status: 400, code: "invalid_request", detail: /deviceId/, field: "deviceId" },
    );
  });

  it("strict validity past the policy maximum or the 2038 limit", async ({ service, goodCsr }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: goodCsr, validityDays: 400, strict: true } },
      {
        status: 400,
        code: "validity_exceeds_limit",
        detail: /policy maximum.*strict/,
        field: "validityDays",
      },
    );
    await expectRefused(
      service,
      "/v1/credentials",
      { body: { deviceId: "long-lived", validityDays: 36_500, strict: true } },
      { status: 400, code: "validity_exceeds_limit", detail: /strict mode refuses/, field: "validityDays" },
    );
  });

  it("wrong JSON types, unknown fields, missing fields", async ({ service, goodCsr }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: goodCsr, validityDays: "30" } },
      { status: 400, code: "invalid_request", detail: /validityDays/, field: "validityDays" },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: goodCsr, strict: "yes" } },
      { status: 400, code: "invalid_request", detail: /strict/, field: "strict" },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: goodCsr, subjectAltNames: ["x"] } },
      {
        status: 400,
        code: "invalid_request",
        detail: /unknown field.*subjectAltNames/,
        field: "subjectAltNames",
      },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: {} },
      { status: 400, code: "invalid_request", detail: /csr/, field: "csr" },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { body: [goodCsr] },
      { status: 400, code: "invalid_request", detail: /expected object/ },
    );
    await expectRefused(
      service,
      "/v1/credentials",
      { body: { deviceId: "d1", keyAlgorithm: "ED25519" } },
      { status: 400, code: "invalid_request", detail: /keyAlgorithm/, field: "keyAlgorithm" },
    );
    await expectRefused(
      service,
      "/v1/credentials",
      { body: { deviceId: "d1", validityDays: 1.5 } },
      { status: 400, code: "invalid_request", detail: /validityDays/, field: "validityDays" },
    );
  });

  it("a PFX password PKCS#12 cannot use (a lone surrogate), before any key is made or certificate signed", async ({
    service,
  }) => {
    // Sent as JSON's \ud800 escape: valid JSON, but no UTF-8 form for the key derivation to take.
    await expectRefused(
      service,
      "/v1/credentials",
      {
        rawBody: '{"deviceId":"pfx-surrogate","pfxPassword":"line \\ud800 7"}',
        headers: { "content-type": "application/json" },
      },
      { status: 400, code: "invalid_request", detail: /well-formed Unicode/, field: "pfxPassword" },
    );
  });

  it("invalid JSON and non-JSON bodies", async ({ service, goodCsr }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { rawBody: '{"csr": ', headers: { "content-type": "application/json" } },
      { status: 400, code: "invalid_request", detail: /not a valid JSON object/ },
    );
    for (const rawBody of ['"x"', "null", "42"]) {
      await expectRefused(
        service,
        "/v1/certificates",
        { rawBody, headers: { "content-type": "application/json" } },
        { status: 400, code: "invalid_request", detail: /not a valid JSON object/ },
      );
    }
    await expectRefused(
      service,
      "/v1/certificates",
      { rawBody: goodCsr, headers: { "content-type": "application/pkcs10" } },
      { status: 415, code: "unsupported_media_type", detail: /must be JSON/ },
    );
  });

  it("compressed bodies: gzip, deflate and br are read; corrupt ones are 400, other codings 415", async ({
    service,
  }) => {
    const json = JSON.stringify({ deviceId: "compressed-body" });
    const send = (encoding: string, body: Uint8Array, contentType = "application/json") =>
      fetch(`${service.url}/v1/credentials`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${service.adminToken}`,
          "content-type": contentType,
          "content-encoding": encoding,
        },
        body,
      });
    for (const [encoding, compress] of [
      ["gzip", gzipSync],
      ["deflate", deflateSync],
      ["br", brotliCompressSync],
    ] as const) {
      expect({ encoding, status: (await send(encoding, compress(json))).status }).toEqual({
        encoding,
        status: 201,
      });
      const before = countRows(service.dataDir, "certificates");
      for (const corrupt of [Buffer.from("not compressed at all"), compress(json).subarray(0, 12)]) {
        const response = await send(encoding, corrupt);
        const problem = (await response.json()) as { code: string; detail: string };
        expect({ encoding, status: response.status, code: problem.code, detail: problem.detail }).toEqual({
          encoding,
          status: 400,
          code: "invalid_request",
          detail: "the request body does not decompress as its Content-Encoding says",
        });
      }
      expect(countRows(service.dataDir, "certificates")).toBe(before);
    }
    for (const encoding of ["compress", "x-custom"]) {
      const response = await send(encoding, Buffer.from(json));
      expect(response.status).toBe(415);
      expect(await response.json()).toMatchObject({
        code: "unsupported_media_type",
        detail: `the request body's Content-Encoding '${encoding}' is not supported: send it as it is, or as gzip, deflate or br`,
      });
    }
    const latin1 = await send("identity", Buffer.from(json), "application/json; charset=latin1");
    expect({ status: latin1.status, code: ((await latin1.json()) as { code: string }).code }).toEqual({
      status: 415,
      code: "unsupported_media_type",
    });
  });

  it("a method a known path does not serve gets 405 with Allow; paths are case-sensitive", async ({
    service,
  }) => {
    const put = await expectRefused(
      service,
      "/v1/certificates",
      { method: "PUT", body: {} },
      { status: 405, code: "method_not_allowed", detail: /PUT is not allowed here; use POST/ },
    );
    expect(put.headers.get("allow")).toBe("POST");
    const del = await expectRefused(
      service,
      "/v1/certificates/0badc0de",
      { method: "DELETE" },
      { status: 405, code: "method_not_allowed", detail: /DELETE is not allowed/ },
    );
    expect(del.headers.get("allow")).toBe("GET, HEAD");
    const renew = await expectRefused(
      service,
      "/v1/certificates/renew",
      { method: "PUT", body: {} },
      { status: 405, code: "method_not_allowed", detail: /PUT is not allowed/ },
    );
    expect(renew.headers.get("allow")?.split(", ").sort()).toEqual(["GET", "HEAD", "POST"]);
    await expectRefused(
      service,
      "/V1/CA",
      { method: "GET" },
      { status: 404, code: "not_found", detail: /no route/ },
    );
  });

  it("a body over 64 KiB gets 413, whatever it claims to be", async ({ service }) => {
    await expectRefused(
      service,
      "/v1/certificates",
      { body: { csr: "A".repeat(70 * 1024) } },
      { status: 413, code: "payload_too_large", detail: /exceeds 65536 bytes/ },
    );
    await expectRefused(
      service,
      "/v1/certificates",
      { rawBody: "A".repeat(70 * 1024), headers: { "content-type": "text/plain" } },
      { status: 413, code: "payload_too_large", detail: /exceeds 65536 bytes/ },
    );
  });

  it("unknown serial numbers and routes get 404; malformed serials 400", async ({ service }) => {
    await expectRefused(
      service,
      "/v1/certificates/0badc0de",
      { method: "GET" },
      { status: 404, code: "not_found", detail: /no certificate has serial number 0badc0de/ },
    );
    await expectRefused(
      service,
      "/v1/certificates/not-hex",
      { method: "GET" },
      { status: 400, code: "invalid_request", detail: /hexadecimal/, field: "serialNumber" },
    );
    await expectRefused(
      service,
      "/v1/nothing",
      { method: "GET" },
      { status: 404, code: "not_found", detail: /no route/ },
    );
    await expectRefused(
      service,
      "/v1/devices/bad%20id/certificates",
      { method: "GET" },
      { status: 400, code: "invalid_request", detail: /deviceId/, field: "deviceId" },
    );
  });
});

import type {
  BootstrapToken,
  CertificateList,
  IssuedCertificate,
  IssuedCredentials,
} from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { issueDevice } from "./support/crl.js";
import { countRows } from "./support/database.js";
import { it } from "./support/fixtures.js";
import { opensslCsr } from "./support/openssl.js";
import { csrForKey, renewalProof } from "./support/renewal-proof.js";
import { call, type TestService } from "./support/service.js";

const listed = async (service: TestService, deviceId: string) => {
  const response = await call<CertificateList>(`${service.url}/v1/devices/${deviceId}/certificates`, {
    token: service.adminToken,
  });
  expect(response.status).toBe(200);
  return response.body.items.map((item) => item.deviceId);
};

describe("device IDs are one device whatever their case, as in DPS", () => {
  it("lists a device's certificates under any spelling, each with its CN as requested", async ({
    service,
    dataDir: dir,
  }) => {
    for (const deviceId of ["Line7-Case-A", "line7-case-a", "LINE7-CASE-A"]) {
      const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
      await issueDevice(service, dir, deviceId, csrPem);
    }
    const expected = ["LINE7-CASE-A", "line7-case-a", "Line7-Case-A"];
    for (const spelling of ["line7-case-a", "LINE7-case-A"]) {
      expect(await listed(service, spelling)).toEqual(expected);
    }
  });

  it("a bootstrap token for a device redeems a CSR that spells its ID in another case", async ({
    service,
    dataDir: dir,
  }) => {
    const minted = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
      token: service.adminToken,
      body: { deviceId: "line7-boot-case" },
    });
    const { csrPem } = await opensslCsr(dir, "/CN=LINE7-Boot-Case");
    const redeemed = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: minted.body.token,
      body: { csr: csrPem },
    });
    expect(redeemed.status).toBe(201);
    expect(redeemed.body.deviceId).toBe("LINE7-Boot-Case");
    // Still one use only.
    const again = await call(`${service.url}/v1/certificates`, {
      token: minted.body.token,
      body: { csr: csrPem },
    });
    expect(again.status).toBe(401);
  });

  it("an issuer's device prefix covers every spelling of its IDs, and no other ID", async ({ service }) => {
    const token = await service.token(["issuer"], { devicePrefix: "line7-", subject: "line7-case" });
    const issue = (deviceId: string) =>
      call<IssuedCredentials>(`${service.url}/v1/credentials`, { token, body: { deviceId } });
    expect((await issue("LINE7-0001")).status).toBe(201);
    expect((await issue("Line7-0002")).status).toBe(201);
    const outside = await issue("line8-0001");
    expect({ status: outside.status, code: outside.problem.code }).toEqual({
      status: 403,
      code: "forbidden",
    });
  });

  it("a certificate renews onto a CSR that spells the same ID in another case", async ({
    service,
    dataDir: dir,
  }) => {
    const { csrPem, keyPath, keyPem } = await opensslCsr(dir, "/CN=Renew-Case");
    const issued = await issueDevice(service, dir, "Renew-Case", csrPem);
    const renewalCsr = await csrForKey(dir, keyPath, "/CN=renew-case");
    const proof = await renewalProof({ keyPem, chainPem: issued.fullChainPem, csrPem: renewalCsr });
    const renewed = await call<IssuedCertificate>(`${service.url}/v1/certificates/renew`, {
      body: { csr: renewalCsr, proof },
    });
    expect(renewed.status).toBe(201);
    expect(renewed.body.deviceId).toBe("renew-case");
    const other = await csrForKey(dir, keyPath, "/CN=renew-case-2");
    const refused = await call(`${service.url}/v1/certificates/renew`, {
      body: {
        csr: other,
        proof: await renewalProof({ keyPem, chainPem: renewed.body.fullChainPem, csrPem: other }),
      },
    });
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 403,
      code: "renewal_refused",
    });
  });
});

describe("device IDs DPS refuses: made only of dots, or ending in '.', '_' or ':'", () => {
  it("are refused wherever a device ID comes in, and nothing is stored", async ({
    service,
    dataDir: dir,
  }) => {
    const before = countRows(service.dataDir, "certificates");
    for (const deviceId of [".", "..", "...", "line7-0040.", "line7_0041_", "line7:0042:"]) {
      const credentials = await call(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId },
      });
      const token = await call(`${service.url}/v1/bootstrap-tokens`, {
        token: service.adminToken,
        body: { deviceId },
      });
      const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
      const fromCsr = await call(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        body: { csr: csrPem },
      });
      expect([credentials.status, token.status, fromCsr.status]).toEqual([400, 400, 400]);
      expect(credentials.body.detail).toMatch(/the last a letter, a digit or '-'/);
      expect(fromCsr.body.code).toBe("invalid_device_id");
    }
    // Dots, underscores and colons inside an ID, and a dash at its end, are as DPS allows them.
    for (const deviceId of ["a.b", ".hidden-1", "line7_0043:a", "line7-0044-"]) {
      const issued = await call(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId },
      });
      expect(issued.status, deviceId).toBe(201);
    }
    expect(countRows(service.dataDir, "certificates")).toBe(before + 4);
  });
});

import { X509Certificate } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchCrl, issueDevice, opensslSerial } from "./support/crl.js";
import { openssl, opensslCsr, opensslStatus, type TempDir, tempDir } from "./support/openssl.js";
import { call, startTestService, type TestService } from "./support/service.js";

let service: TestService;
let dir: TempDir;
let rootPath: string;
let chainPath: string;
/** The CA's own certificates, by profile: root, intermediate and token signer. */
const own: Record<string, string> = {};

beforeAll(async () => {
  service = await startTestService();
  dir = await tempDir();
  const ca = await call(`${service.url}/v1/ca`);
  rootPath = await dir.file("root.pem", ca.body.rootCertificatePem);
  chainPath = await dir.file("chain.pem", ca.body.chainPem);
  const jwks = await call(`${service.url}/.well-known/jwks.json`);
  const tokenSigner = new X509Certificate(Buffer.from(jwks.body.keys[0].x5c[0], "base64"));
  own.root = new X509Certificate(ca.body.rootCertificatePem).serialNumber.toLowerCase();
  own.intermediate = new X509Certificate(ca.body.intermediateCertificatePem).serialNumber.toLowerCase();
  own["token-signer"] = tokenSigner.serialNumber.toLowerCase();
});

afterAll(async () => {
  await service.dispose();
  await dir.remove();
});

const revoke = (serialNumber: string, reason = "keyCompromise") =>
  call(`${service.url}/v1/certificates/${serialNumber}/revoke`, {
    token: service.adminToken,
    body: { reason },
  });

/** The root's CRL as served, in a file, with openssl's reading of it. */
async function rootCrl(name: string) {
  const pem = await fetch(`${service.url}/v1/ca/crl.pem`);
  expect(pem.status).toBe(200);
  const path = await dir.file(name, await pem.text());
  return { path, text: await openssl(["crl", "-in", path, "-noout", "-text"]) };
}

describe("the CA's own certificates on the device revocation route", () => {
  it("are refused with 409 not_revocable, and nothing changes", async () => {
    for (const [profile, serialNumber] of Object.entries(own)) {
      const response = await revoke(serialNumber);
      expect({ profile, status: response.status, code: response.body.code }).toEqual({
        profile,
        status: 409,
        code: "not_revocable",
      });
      expect(response.body.detail).toContain(`the CA's ${profile} certificate`);
      const record = await call(`${service.url}/v1/certificates/${serialNumber}`, {
        token: service.adminToken,
      });
      expect(record.body.status).toBe("valid");
    }
    const audit = await service.context.store.listAudit({ limit: 10_000 });
    expect(audit.filter((event) => event.action === "certificate.revoke")).toEqual([]);
    const deviceCrl = await fetchCrl(service.url, dir, "device-after-refusals.pem");
    for (const serialNumber of Object.values(own))
      expect(deviceCrl.text).not.toContain(opensslSerial(serialNumber));
  });
});

describe("the root's CRL at /v1/ca/crl", () => {
  it("is signed by the root, numbered, with its key identifier, as DER and as PEM", async () => {
    const { path, text } = await rootCrl("root.crl.pem");
    expect(await openssl(["crl", "-in", path, "-CAfile", rootPath, "-verify", "-noout"])).toContain(
      "verify OK",
    );
    expect(text).toMatch(/Issuer: CN = Edge PKI Root CA/);
    expect(text).toMatch(/X509v3 CRL Number:\s*\n\s*\d+/);
    expect(text).toContain("X509v3 Authority Key Identifier");
    const der = await fetch(`${service.url}/v1/ca/crl`);
    expect(der.headers.get("content-type")).toBe("application/pkix-crl");
    const derPath = await dir.file("root.crl.der", new Uint8Array(await der.arrayBuffer()));
    expect(await openssl(["crl", "-inform", "DER", "-in", derPath, "-noout", "-text"])).toBe(text);
  });

  it("lets openssl check the whole chain (-crl_check_all), which needs a CRL from every CA", async () => {
    const { csrPem } = await opensslCsr(dir, "/CN=chain-checked");
    await issueDevice(service, dir, "chain-checked", csrPem);
    const deviceCrl = await fetchCrl(service.url, dir, "device.crl.pem");
    const { path: rootCrlPath } = await rootCrl("root-for-chain.crl.pem");
    const leaf = `${dir.path}/chain-checked.pem`;
    const verify = (crls: string[]) =>
      opensslStatus([
        "verify",
        "-crl_check_all",
        ...crls.flatMap((crl) => ["-CRLfile", crl]),
        "-CAfile",
        rootPath,
        "-untrusted",
        chainPath,
        leaf,
      ]);
    expect(await verify([deviceCrl.path, rootCrlPath])).toMatchObject({ code: 0 });
    // Without the root's CRL openssl cannot finish: that was the gap.
    const without = await verify([deviceCrl.path]);
    expect(without.code).not.toBe(0);
    expect(without.output).toMatch(/unable to get certificate CRL/);
  });

  it("lists a retired intermediate, and then openssl refuses every certificate under it", async () => {
    // No API revokes an intermediate yet (retiring one is an operator procedure); the store's
    // revocation is what that procedure records.
    const { csrPem } = await opensslCsr(dir, "/CN=under-retired");
    await issueDevice(service, dir, "under-retired", csrPem);
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const result = await service.context.store.revoke({
      serialNumber: own.intermediate as string,
      reason: "cACompromise",
      at,
      audit: {
        at,
        actor: "test",
        action: "ca.retire",
        target: own.intermediate as string,
        outcome: "success",
      },
    });
    expect(result?.changed).toBe(true);
    const { path: rootCrlPath, text } = await rootCrl("root-with-intermediate.crl.pem");
    const entry = text
      .split("Serial Number: ")
      .find((part) => part.startsWith(opensslSerial(own.intermediate as string)));
    expect(entry).toMatch(/CA Compromise/);
    // The issuing CA's own CRL does not list itself.
    const deviceCrl = await fetchCrl(service.url, dir, "device-after-retire.pem");
    expect(deviceCrl.text).not.toContain(opensslSerial(own.intermediate as string));
    const outcome = await opensslStatus([
      "verify",
      "-crl_check_all",
      "-CRLfile",
      deviceCrl.path,
      "-CRLfile",
      rootCrlPath,
      "-CAfile",
      rootPath,
      "-untrusted",
      chainPath,
      `${dir.path}/under-retired.pem`,
    ]);
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain("error 23 at 1 depth lookup: certificate revoked");
  });
});

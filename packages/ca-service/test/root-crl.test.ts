import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { CertificateRecord } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { caFiles, tokenSignerCertificate } from "./support/ca-files.js";
import { fetchCrl, issueDevice, opensslSerial, revoke } from "./support/crl.js";
import { test } from "./support/fixtures.js";
import { openssl, opensslCsr, opensslStatus, type TempDir } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

const it = test
  // The file's CA, as files openssl reads.
  .extend("ca", { scope: "file" }, ({ service, dataDir }) => caFiles(service, dataDir))
  // The serial numbers of the CA's own certificates, by profile: root, intermediate and token signer.
  .extend("own", { scope: "file" }, async ({ service, ca }) => {
    const serialOf = (certificate: X509Certificate) => certificate.serialNumber.toLowerCase();
    return {
      root: serialOf(new X509Certificate(await readFile(ca.rootPath))),
      intermediate: serialOf(new X509Certificate(await readFile(ca.intermediatePath))),
      "token-signer": serialOf(await tokenSignerCertificate(service)),
    };
  });

/** The root's CRL as served, in a file, with openssl's reading of it. */
async function rootCrl(service: TestService, dir: TempDir, name: string) {
  const pem = await fetch(`${service.url}/v1/ca/crl.pem`);
  expect(pem.status).toBe(200);
  const path = await dir.file(name, await pem.text());
  return { path, text: await openssl(["crl", "-in", path, "-noout", "-text"]) };
}

describe("the CA's own certificates on the device revocation route", () => {
  it("are refused with 409 not_revocable, and nothing changes", async ({ service, dataDir: dir, own }) => {
    for (const [profile, serialNumber] of Object.entries(own)) {
      const response = await revoke(service, serialNumber, { reason: "keyCompromise" });
      expect({ profile, status: response.status, code: response.problem.code }).toEqual({
        profile,
        status: 409,
        code: "not_revocable",
      });
      expect(response.problem.detail).toContain(`the CA's ${profile} certificate`);
      const record = await call<CertificateRecord>(`${service.url}/v1/certificates/${serialNumber}`, {
        token: service.adminToken,
      });
      expect(record.body.status).toBe("valid");
    }
    // Nothing revoked: refusals are audited as such (the first of a minute at once, the rest of the
    // minute summarised when it ends; see audit-summaries.test.ts), and nothing else.
    const audit = await service.context.store.listAudit({ limit: 10_000 });
    const revocations = audit.filter((event) => event.action === "certificate.revoke");
    expect(revocations.filter((event) => event.outcome !== "failure")).toEqual([]);
    expect(revocations[0]).toMatchObject({
      target: own.root,
      outcome: "failure",
      details: { code: "not_revocable", reason: expect.stringContaining("the CA's root certificate") },
    });
    const deviceCrl = await fetchCrl(service.url, dir, "device-after-refusals.pem");
    for (const serialNumber of Object.values(own))
      expect(deviceCrl.text).not.toContain(opensslSerial(serialNumber));
  });
});

describe("the root's CRL at /v1/ca/crl", () => {
  it("is signed by the root, numbered, with its key identifier, as DER and as PEM", async ({
    service,
    dataDir: dir,
    ca,
  }) => {
    const { path, text } = await rootCrl(service, dir, "root.crl.pem");
    expect(await openssl(["crl", "-in", path, "-CAfile", ca.rootPath, "-verify", "-noout"])).toContain(
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

  it("lets openssl check the whole chain (-crl_check_all), which needs a CRL from every CA", async ({
    service,
    dataDir: dir,
    ca,
  }) => {
    const { csrPem } = await opensslCsr(dir, "/CN=chain-checked");
    await issueDevice(service, dir, "chain-checked", csrPem);
    const deviceCrl = await fetchCrl(service.url, dir, "device.crl.pem");
    const { path: rootCrlPath } = await rootCrl(service, dir, "root-for-chain.crl.pem");
    const leaf = `${dir.path}/chain-checked.pem`;
    const verify = (crls: string[]) =>
      opensslStatus([
        "verify",
        "-crl_check_all",
        ...crls.flatMap((crl) => ["-CRLfile", crl]),
        "-CAfile",
        ca.rootPath,
        "-untrusted",
        ca.chainPath,
        leaf,
      ]);
    expect(await verify([deviceCrl.path, rootCrlPath])).toMatchObject({ code: 0 });
    // Without the root's CRL openssl cannot finish: that was the gap.
    const without = await verify([deviceCrl.path]);
    expect(without.code).not.toBe(0);
    expect(without.output).toMatch(/unable to get certificate CRL/);
  });

  // Last in the file: it retires the file's service's intermediate.
  it("lists a retired intermediate, and then openssl refuses every certificate under it", async ({
    service,
    dataDir: dir,
    ca,
    own,
  }) => {
    // The store's revocation is the first step of retiring an intermediate (`edge-pki-ca
    // intermediate retire`, tested in intermediate-retirement.test.ts): here it stops at that step.
    const { csrPem } = await opensslCsr(dir, "/CN=under-retired");
    await issueDevice(service, dir, "under-retired", csrPem);
    const at = new Date(Math.floor(Date.now() / 1000) * 1000);
    const result = await service.context.store.revoke({
      serialNumber: own.intermediate,
      reason: "cACompromise",
      at,
      audit: {
        at,
        actor: "test",
        action: "ca.retire",
        target: own.intermediate,
        outcome: "success",
      },
    });
    expect(result?.changed).toBe(true);
    const { path: rootCrlPath, text } = await rootCrl(service, dir, "root-with-intermediate.crl.pem");
    const entry = text
      .split("Serial Number: ")
      .find((part) => part.startsWith(opensslSerial(own.intermediate)));
    expect(entry).toMatch(/CA Compromise/);
    // The issuing CA's own CRL does not list itself.
    const deviceCrl = await fetchCrl(service.url, dir, "device-after-retire.pem");
    expect(deviceCrl.text).not.toContain(opensslSerial(own.intermediate));
    const outcome = await opensslStatus([
      "verify",
      "-crl_check_all",
      "-CRLfile",
      deviceCrl.path,
      "-CRLfile",
      rootCrlPath,
      "-CAfile",
      ca.rootPath,
      "-untrusted",
      ca.chainPath,
      `${dir.path}/under-retired.pem`,
    ]);
    expect(outcome.code).not.toBe(0);
    expect(outcome.output).toContain("error 23 at 1 depth lookup: certificate revoked");
  });
});

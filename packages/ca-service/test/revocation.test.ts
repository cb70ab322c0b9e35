import type { CertificateRecord } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { ConfigError, loadConfig } from "../src/config/config.js";
import { type CaFiles, caFiles } from "./support/ca-files.js";
import { HOUR_MS } from "./support/clock.js";
import { fetchCrl, issueDevice, opensslSerial, revoke } from "./support/crl.js";
import { test } from "./support/fixtures.js";
import { openssl, opensslCsr, opensslStatus, type TempDir } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

// The service runs on the file's clock, which tests move to age CRLs and certificates.
test.override("serviceOptions", ({ clock }) => ({ clock }));

// The file's CA, as files openssl reads.
const it = test.extend("ca", { scope: "file" }, ({ service, dataDir }) => caFiles(service, dataDir));

async function issue(service: TestService, dir: TempDir, deviceId: string) {
  const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  return issueDevice(service, dir, deviceId, csrPem);
}

const verifyWithCrl = (ca: CaFiles, dir: TempDir, crlPath: string, deviceId: string) =>
  opensslStatus([
    ...["verify", "-crl_check", "-CRLfile", crlPath, "-CAfile", ca.rootPath],
    ...["-untrusted", ca.intermediatePath, `${dir.path}/${deviceId}.pem`],
  ]);

describe("revocation", () => {
  it("revokes: the record says so, the CRL lists it with its reason, openssl refuses the certificate", async ({
    service,
    dataDir: dir,
    ca,
  }) => {
    const revoked = await issue(service, dir, "revoke-me");
    const kept = await issue(service, dir, "keep-me");
    const before = await fetchCrl(service.url, dir, "before.pem");

    const response = await revoke(service, revoked.serialNumber, { reason: "keyCompromise" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      serialNumber: revoked.serialNumber,
      status: "revoked",
      revocationReason: "keyCompromise",
    });
    expect(Date.parse(response.body.revokedAt ?? "")).toBeGreaterThan(0);
    const record = await call<CertificateRecord>(`${service.url}/v1/certificates/${revoked.serialNumber}`, {
      token: service.adminToken,
    });
    expect(record.body.status).toBe("revoked");

    const crl = await fetchCrl(service.url, dir, "after.pem");
    expect(await openssl(["crl", "-in", crl.path, "-CAfile", ca.chainPath, "-verify", "-noout"])).toContain(
      "verify OK",
    );
    expect(crl.crlNumber).toBeGreaterThan(before.crlNumber);
    expect(crl.text).toMatch(/Issuer: CN = Edge PKI Issuing CA/);
    expect(crl.text).toContain("X509v3 Authority Key Identifier");
    expect(crl.text).toMatch(/Last Update: .+\n\s+Next Update: .+/);
    const entry = crl.text
      .split("Serial Number: ")
      .find((part) => part.startsWith(opensslSerial(revoked.serialNumber)));
    expect(entry).toMatch(/X509v3 CRL Reason Code:\s*\n\s*Key Compromise/);
    expect(crl.text).not.toContain(opensslSerial(kept.serialNumber));

    const refused = await verifyWithCrl(ca, dir, crl.path, "revoke-me");
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain("error 23 at 0 depth lookup: certificate revoked");
    const accepted = await verifyWithCrl(ca, dir, crl.path, "keep-me");
    expect(accepted).toMatchObject({ code: 0 });
    expect(accepted.output).toContain("keep-me.pem: OK");

    const audit = await service.context.store.listAudit({ limit: 1000 });
    expect(audit.filter((event) => event.action === "certificate.revoke")).toEqual([
      expect.objectContaining({ target: revoked.serialNumber, details: { reason: "keyCompromise" } }),
    ]);
  });

  it("a second revocation with the same reason is an idempotent 200; with another reason, 409", async ({
    service,
    dataDir: dir,
  }) => {
    const { serialNumber } = await issue(service, dir, "revoke-twice");
    const first = await revoke(service, serialNumber, { reason: "superseded" });
    const crlNumber = (await fetchCrl(service.url, dir, "twice.pem")).crlNumber;
    const again = await revoke(service, serialNumber.toUpperCase(), { reason: "superseded" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const conflict = await revoke(service, serialNumber, { reason: "keyCompromise" });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("content-type")).toContain("application/problem+json");
    expect(conflict.problem).toMatchObject({ code: "already_revoked", status: 409 });
    expect(conflict.problem.detail).toContain("superseded");
    // Neither repeat changed anything: one revocation on record (the refusal is audited as one), no new CRL.
    const audit = await service.context.store.listAudit({ limit: 1000 });
    expect(audit.filter((event) => event.target === serialNumber).map((event) => event.outcome)).toEqual([
      "success",
      "failure",
    ]);
    expect((await fetchCrl(service.url, dir, "twice-again.pem")).crlNumber).toBe(crlNumber);
  });

  it("unspecified is listed without a reason code, as RFC 5280 asks", async ({ service, dataDir: dir }) => {
    const { serialNumber } = await issue(service, dir, "revoke-unspecified");
    expect((await revoke(service, serialNumber, { reason: "unspecified" })).status).toBe(200);
    const { text } = await fetchCrl(service.url, dir, "unspecified.pem");
    const entry = text.split("Serial Number: ").find((part) => part.startsWith(opensslSerial(serialNumber)));
    expect(entry).toBeDefined();
    expect(entry).not.toContain("Reason Code");
  });

  it("refuses unknown serials (404), certificateHold and unknown reasons (400), a missing body (400)", async ({
    service,
    dataDir: dir,
  }) => {
    const unknown = await revoke(service, "0123456789abcdef", { reason: "keyCompromise" });
    expect(unknown.status).toBe(404);
    expect(unknown.problem.code).toBe("not_found");
    const { serialNumber } = await issue(service, dir, "revoke-bad-input");
    for (const body of [
      { reason: "certificateHold" },
      { reason: "removeFromCRL" },
      { reason: "stolen" },
      {},
    ]) {
      const response = await revoke(service, serialNumber, body);
      expect(response.status).toBe(400);
      expect(response.problem.code).toBe("invalid_request");
      expect(response.problem.errors?.[0]?.field).toBe("reason");
    }
    const noBody = await call(`${service.url}/v1/certificates/${serialNumber}/revoke`, {
      token: service.adminToken,
      method: "POST",
    });
    expect(noBody.status).toBe(400);
    const record = await call(`${service.url}/v1/certificates/${serialNumber}`, {
      token: service.adminToken,
    });
    expect(record.body).toMatchObject({ status: "valid", revokedAt: null, revocationReason: null });
  });
});

describe("CRL", () => {
  it("serves the same CRL as DER and PEM, with the pkix-crl media type", async ({
    service,
    dataDir: dir,
  }) => {
    const der = await fetch(`${service.url}/v1/crl`);
    expect(der.status).toBe(200);
    expect(der.headers.get("content-type")).toBe("application/pkix-crl");
    const derPath = await dir.file("crl.der", new Uint8Array(await der.arrayBuffer()));
    const pem = await fetchCrl(service.url, dir, "crl-pem.pem");
    expect(pem.pem).toMatch(/^-----BEGIN X509 CRL-----\n[\s\S]+-----END X509 CRL-----\n$/);
    const fromDer = await openssl(["crl", "-inform", "DER", "-in", derPath, "-outform", "PEM"]);
    expect(fromDer.trim()).toBe(pem.pem.trim());
  });

  it("serves the stored bytes until half its life has passed, then signs a new one", async ({
    service,
    dataDir: dir,
    clock,
  }) => {
    const first = await fetchCrl(service.url, dir, "cached-1.pem");
    expect((await fetchCrl(service.url, dir, "cached-2.pem")).pem).toBe(first.pem);
    const lastUpdate = (text: string) => Date.parse(text.match(/Last Update: (.+)/)?.[1] ?? "");
    const nextUpdate = (text: string) => Date.parse(text.match(/Next Update: (.+)/)?.[1] ?? "");
    expect(nextUpdate(first.text) - lastUpdate(first.text)).toBe(24 * HOUR_MS);

    clock.advance(11 * HOUR_MS);
    expect((await fetchCrl(service.url, dir, "cached-3.pem")).pem).toBe(first.pem);
    clock.advance(2 * HOUR_MS);
    const renewed = await fetchCrl(service.url, dir, "cached-4.pem");
    expect(renewed.crlNumber).toBeGreaterThan(first.crlNumber);
    expect(lastUpdate(renewed.text)).toBeGreaterThan(lastUpdate(first.text));
  });

  it("numbers increase with every revocation and across a restart", async ({ service, dataDir: dir }) => {
    const numbers = [(await fetchCrl(service.url, dir, "n0.pem")).crlNumber];
    const revoked: string[] = [];
    for (const name of ["number-a", "number-b"]) {
      const { serialNumber } = await issue(service, dir, name);
      await revoke(service, serialNumber, { reason: "cessationOfOperation" });
      revoked.push(serialNumber);
      numbers.push((await fetchCrl(service.url, dir, `${name}.pem`)).crlNumber);
    }
    await service.restart();
    const afterRestart = await fetchCrl(service.url, dir, "restarted.pem");
    // Still fresh: the restarted service serves the stored CRL, which lists what was revoked before.
    expect(afterRestart.crlNumber).toBe(numbers.at(-1));
    for (const serialNumber of revoked) expect(afterRestart.text).toContain(opensslSerial(serialNumber));
    const { serialNumber } = await issue(service, dir, "number-c");
    await revoke(service, serialNumber, { reason: "affiliationChanged" });
    numbers.push((await fetchCrl(service.url, dir, "number-c.pem")).crlNumber);
    for (let index = 1; index < numbers.length; index++) {
      expect(numbers[index]).toBeGreaterThan(numbers[index - 1] as number);
    }
  });

  it("drops a revoked certificate once it has expired", async ({ service, dataDir: dir, clock }) => {
    const { csrPem } = await opensslCsr(dir, "/CN=short-lived");
    const { serialNumber } = await issueDevice(service, dir, "short-lived", csrPem, { validityDays: 1 });
    await revoke(service, serialNumber, { reason: "superseded" });
    expect((await fetchCrl(service.url, dir, "short-1.pem")).text).toContain(opensslSerial(serialNumber));
    clock.advance(2 * 24 * HOUR_MS);
    expect((await fetchCrl(service.url, dir, "short-2.pem")).text).not.toContain(opensslSerial(serialNumber));
  });
});

describe("CRL distribution point", () => {
  const crlDpOf = async (dir: TempDir, certificatePem: string, name: string) =>
    openssl(["x509", "-in", await dir.file(name, certificatePem), "-noout", "-text"]);

  it("is absent without EDGE_PKI_PUBLIC_URL", async ({ service, dataDir: dir }) => {
    const { certificatePem } = await issue(service, dir, "no-crl-dp");
    expect(await crlDpOf(dir, certificatePem, "no-dp.pem")).not.toContain("CRL Distribution Points");
  });

  it("points to <public URL>/v1/crl when EDGE_PKI_PUBLIC_URL is set", async ({
    dataDir: dir,
    startService,
  }) => {
    const withUrl = await startService({
      env: { EDGE_PKI_PUBLIC_URL: "https://pki.example.test/edge/" },
    });
    const { csrPem } = await opensslCsr(dir, "/CN=with-crl-dp");
    const { certificatePem } = await issueDevice(withUrl, dir, "with-crl-dp", csrPem);
    expect(await crlDpOf(dir, certificatePem, "dp.pem")).toMatch(
      /X509v3 CRL Distribution Points:\s*\n\s*Full Name:\s*\n\s*URI:https:\/\/pki\.example\.test\/edge\/v1\/crl\n/,
    );
  });

  it("EDGE_PKI_PUBLIC_URL must be a plain http(s) URL", () => {
    for (const value of [
      "ftp://pki.example.test",
      "pki.example.test",
      "https://pki.example.test/?a=1",
      "https://u:p@x.test",
    ]) {
      expect(() => loadConfig({ EDGE_PKI_PUBLIC_URL: value })).toThrow(ConfigError);
    }
    expect(loadConfig({ EDGE_PKI_PUBLIC_URL: "http://127.0.0.1:8443/" }).publicUrl).toBe(
      "http://127.0.0.1:8443",
    );
  });
});

import type { IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { caFiles } from "./support/ca-files.js";
import { test } from "./support/fixtures.js";
import { openssl, opensslCsr, opensslStatus } from "./support/openssl.js";
import { call } from "./support/service.js";

// The file's CA, as files openssl reads.
const it = test.extend("ca", { scope: "file" }, ({ service, dataDir }) => caFiles(service, dataDir));

const text = (path: string) => openssl(["x509", "-in", path, "-noout", "-text"]);

describe("CA profiles, read by openssl", () => {
  it("root: self-signed, CA:TRUE critical, keyCertSign+cRLSign critical, expires before 2038", async ({
    ca,
  }) => {
    const out = await text(ca.rootPath);
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\s*\n/);
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\s*\n/);
    expect(out).toContain("X509v3 Subject Key Identifier");
    expect(out).toContain("Subject: CN = Edge PKI Root CA");
    expect(await openssl(["verify", "-CAfile", ca.rootPath, ca.rootPath])).toContain(": OK");
    expect(await opensslStatus(["x509", "-in", ca.rootPath, "-noout", "-checkend", "0"])).toMatchObject({
      code: 0,
    });
    const end = await openssl(["x509", "-in", ca.rootPath, "-noout", "-enddate"]);
    expect(new Date(end.replace("notAfter=", "").trim()).getTime()).toBeLessThan(
      Date.parse("2038-01-01T00:00:00Z"),
    );
  });

  it("intermediate: pathlen 1, keyCertSign+cRLSign+digitalSignature, chained to the root by AKI", async ({
    ca,
  }) => {
    const out = await text(ca.intermediatePath);
    expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:1\s*\n/);
    expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\s*\n/);
    const rootSki = (await text(ca.rootPath)).match(/Subject Key Identifier:\s+([0-9A-F:]+)/)?.[1];
    expect(rootSki).toBeDefined();
    expect(out).toMatch(new RegExp(`Authority Key Identifier:\\s+(keyid:)?${rootSki}`));
    expect(await openssl(["verify", "-CAfile", ca.rootPath, ca.intermediatePath])).toContain(": OK");
    const end = await openssl(["x509", "-in", ca.intermediatePath, "-noout", "-enddate"]);
    expect(new Date(end.replace("notAfter=", "").trim()).getTime()).toBeLessThan(
      Date.parse("2038-01-01T00:00:00Z"),
    );
  });

  for (const key of ["P-256", "P-384", "RSA-2048", "RSA-3072"] as const) {
    it(`device identity (${key}): end entity, clientAuth, subject exactly CN=<deviceId>, verifies`, async ({
      service,
      dataDir,
      ca,
    }) => {
      const deviceId = `dev_${key}:line-7.a`;
      const { csrPem } = await opensslCsr(dataDir, `/CN=${deviceId}/O=Ignored Org/OU=ignored`, key);
      const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        body: { csr: csrPem },
        token: service.adminToken,
      });
      expect(issued.status).toBe(201);
      const leaf = await dataDir.file(`leaf-${key}.pem`, issued.body.certificatePem);
      const out = await text(leaf);
      expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE\s*\n/);
      const usage = key.startsWith("RSA") ? "Digital Signature, Key Encipherment" : "Digital Signature";
      expect(out).toMatch(new RegExp(`X509v3 Key Usage: critical\\s+${usage}\\s*\\n`));
      expect(out).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication\s*\n/);
      expect(out).toContain("X509v3 Subject Key Identifier");
      expect(out).toContain("X509v3 Authority Key Identifier");
      const subject = await openssl(["x509", "-in", leaf, "-noout", "-subject", "-nameopt", "RFC2253"]);
      expect(subject.trim()).toBe(`subject=CN=${deviceId}`);
      expect(out).not.toContain("Ignored Org");
      expect(
        await openssl([
          "verify",
          "-CAfile",
          ca.rootPath,
          "-untrusted",
          ca.intermediatePath,
          "-purpose",
          "sslclient",
          leaf,
        ]),
      ).toContain(": OK");
      const serial = await openssl(["x509", "-in", leaf, "-noout", "-serial"]);
      expect(serial.trim().toLowerCase()).toBe(`serial=${issued.body.serialNumber}`);
      expect(issued.body.serialNumber).toMatch(/^[4-7][0-9a-f]{31}$/);
    });
  }

  it("full chain file: leaf, then intermediate, then root, and openssl verifies it as IoT Edge reads it", async ({
    service,
    dataDir,
    ca,
  }) => {
    const { csrPem } = await opensslCsr(dataDir, "/CN=chain-order");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      body: { csr: csrPem },
      token: service.adminToken,
    });
    const chainPath = await dataDir.file("full-chain.pem", issued.body.fullChainPem);
    const blocks = issued.body.fullChainPem.match(
      /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
    );
    expect(blocks).toHaveLength(3);
    const subjects = [];
    for (const [index, block] of (blocks ?? []).entries()) {
      const path = await dataDir.file(`chain-${index}.pem`, block);
      subjects.push(
        (await openssl(["x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"])).trim(),
      );
    }
    expect(subjects).toEqual([
      "subject=CN=chain-order",
      "subject=CN=Edge PKI Issuing CA",
      "subject=CN=Edge PKI Root CA",
    ]);
    // `openssl x509` reads the first certificate of the file: the one whose CN IoT Edge takes as registration ID.
    expect(
      (await openssl(["x509", "-in", chainPath, "-noout", "-subject", "-nameopt", "RFC2253"])).trim(),
    ).toBe("subject=CN=chain-order");
    expect(await openssl(["verify", "-CAfile", ca.rootPath, "-untrusted", chainPath, chainPath])).toContain(
      ": OK",
    );
  });
});

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import {
  BadRequestError,
  buildCsr,
  EdgePkiClient,
  generateDeviceKey,
  PermissionDeniedError,
} from "../src/index.js";
import { test } from "./support/fixtures.js";
import { openssl } from "./support/openssl.js";

/** A code as DPS hands them out: 48 hexadecimal digits. */
const CODE = "3A7F0C9E5B2D4186A0F1E2D3C4B5A69788796A5B4C3D2E1F";
const PROOF_OF_POSSESSION_PURPOSE = "2.25.159959549803170669981886672383700642142";

describe("verification certificates (proof of possession for DPS)", () => {
  test("signs CN = the code with the root's key, and openssl finds it valid only up to the root", async ({
    ca,
    dir,
  }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const issued = await admin.createVerificationCertificate(CODE, { issuer: "root" });
    expect(issued).toMatchObject({ verificationCode: CODE, issuer: "root" });
    const info = await admin.getCa();
    const files = {
      root: join(dir, "root.pem"),
      intermediate: join(dir, "int.pem"),
      cert: join(dir, "v.pem"),
    };
    await writeFile(files.root, info.rootCertificatePem);
    await writeFile(files.intermediate, info.intermediateCertificatePem);
    await writeFile(files.cert, issued.certificatePem);
    const text = await openssl(["x509", "-in", files.cert, "-noout", "-text"]);
    expect(text.output).toContain(`Subject: CN = ${CODE}`);
    expect(text.output).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text.output).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text.output).toMatch(
      new RegExp(`Extended Key Usage: \\s+${PROOF_OF_POSSESSION_PURPOSE.replaceAll(".", "\\.")}\\n`),
    );
    expect(text.output).not.toMatch(/TLS Web (Client|Server) Authentication/);
    expect(Date.parse(issued.notAfter) - Date.parse(issued.notBefore)).toBeLessThanOrEqual(65 * 60_000);

    expect((await openssl(["verify", "-CAfile", files.root, files.cert])).code).toBe(0);
    // Signed by the root, not by the intermediate.
    const byIntermediate = await openssl([
      "verify",
      "-partial_chain",
      "-CAfile",
      files.intermediate,
      files.cert,
    ]);
    expect(byIntermediate.code).not.toBe(0);
    // It authenticates nothing: no TLS client or server would take it.
    for (const purpose of ["sslclient", "sslserver"]) {
      const result = await openssl(["verify", "-purpose", purpose, "-CAfile", files.root, files.cert]);
      expect({ purpose, code: result.code }).not.toEqual({ purpose, code: 0 });
      expect(result.output).toContain("unsuitable certificate purpose");
    }
  });

  test("signs with the intermediate's key when asked, and records and audits each", async ({ ca, dir }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const issued = await admin.createVerificationCertificate(`${CODE}01`, { issuer: "intermediate" });
    const info = await admin.getCa();
    await writeFile(join(dir, "root.pem"), info.rootCertificatePem);
    await writeFile(join(dir, "int.pem"), info.intermediateCertificatePem);
    await writeFile(join(dir, "v.pem"), issued.certificatePem);
    const verified = await openssl([
      "verify",
      "-CAfile",
      join(dir, "root.pem"),
      "-untrusted",
      join(dir, "int.pem"),
      join(dir, "v.pem"),
    ]);
    expect(verified.code).toBe(0);
    const alone = await openssl(["verify", "-CAfile", join(dir, "root.pem"), join(dir, "v.pem")]);
    expect(alone.code).not.toBe(0);

    const record = await admin.getCertificate(issued.serialNumber);
    expect(record).toMatchObject({
      profile: "intermediate-verification",
      deviceId: null,
      subject: `CN=${CODE}01`,
      requester: "token:local-admin",
    });
    const entries = [];
    for await (const entry of admin.audit({ pageSize: 1000 })) entries.push(entry);
    expect(entries.filter((entry) => entry.action === "verification-certificate.issue")).toContainEqual(
      expect.objectContaining({
        target: `${CODE}01`,
        outcome: "success",
        details: expect.objectContaining({ serialNumber: issued.serialNumber, issuer: "intermediate" }),
      }),
    );
  });

  test("a revoked one is listed on the CRL of the CA that signed it", async ({ ca, dir }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const byRoot = await admin.createVerificationCertificate(`${CODE}02`, { issuer: "root" });
    const byIntermediate = await admin.createVerificationCertificate(`${CODE}03`, { issuer: "intermediate" });
    await admin.revoke(byRoot.serialNumber, "superseded");
    await admin.revoke(byIntermediate.serialNumber, "superseded");
    await writeFile(join(dir, "root-crl.pem"), await admin.getRootCrlPem());
    await writeFile(join(dir, "crl.pem"), await admin.getCrlPem());
    const rootCrl = await openssl(["crl", "-in", join(dir, "root-crl.pem"), "-noout", "-text"]);
    const crl = await openssl(["crl", "-in", join(dir, "crl.pem"), "-noout", "-text"]);
    expect(rootCrl.output.toLowerCase()).toContain(byRoot.serialNumber);
    expect(rootCrl.output.toLowerCase()).not.toContain(byIntermediate.serialNumber);
    expect(crl.output.toLowerCase()).toContain(byIntermediate.serialNumber);
    expect(crl.output.toLowerCase()).not.toContain(byRoot.serialNumber);
  });

  test("only admins may ask, and the CSR must hold exactly one CN that is a code", async ({ ca }) => {
    for (const role of ["issuer", "reader"] as const) {
      const client = new EdgePkiClient({ baseUrl: ca.url, credential: await ca.token(role) });
      await expect(client.createVerificationCertificate(CODE, { issuer: "root" })).rejects.toMatchObject({
        constructor: PermissionDeniedError,
        detail: "the token lacks the permission ca:verify",
      });
    }
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken, maxRetries: 0 });
    await expect(
      admin.createVerificationCertificate("not a code!", { issuer: "root" }),
    ).rejects.toMatchObject({
      constructor: BadRequestError,
      problem: expect.objectContaining({ code: "invalid_csr" }),
    });
  });

  test("never stands in for a device: a renewal proved with its key is refused", async ({ ca }) => {
    const key = await generateDeviceKey("ECDSA_P256");
    const csr = await buildCsr(`${CODE}04`, key);
    const response = await fetch(`${ca.url}/v1/ca/verification-certificates`, {
      method: "POST",
      headers: { authorization: `Bearer ${ca.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ csr: csr.pem, issuer: "intermediate" }),
    });
    expect(response.status).toBe(201);
    const { certificatePem } = (await response.json()) as { certificatePem: string };
    const device = new EdgePkiClient({ baseUrl: ca.url, maxRetries: 0 });
    const chain = `${certificatePem}${(await device.getCa()).chainPem}`;
    const privateKeyPem = key.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    await expect(device.renew({ certificateChainPem: chain, privateKeyPem })).rejects.toMatchObject({
      status: 403,
      problem: expect.objectContaining({ code: "renewal_refused" }),
    });
  });
});

import { webcrypto } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { expect } from "vitest";
import { x509 } from "../src/core/x509.js";
import { jsonLogger } from "../src/logger.js";
import { csr, type Est, enroll, estOf, openssl, testWithEst } from "./support/est.js";
import { opensslSelfSigned } from "./support/openssl.js";

/**
 * Which manufacturer certificates stand for a device, driven by curl over real TLS: the EST listener
 * asks for a client certificate without requiring a trusted one, so what a TLS stack would check of
 * a client certificate (validity of both, an end entity, key usage, extended key usage) is ours.
 */
const EST_IDENTITY = ["extendedKeyUsage=clientAuth"];

interface Shape {
  /** `-subj` of the request (default: `/CN=<cn>`). */
  subject?: string;
  /** The key's curve (default P-256). */
  curve?: string;
  /** The digest the manufacturer CA signs with (default sha256). */
  digest?: string;
}

/** A bootstrap certificate for `cn` signed by the file's manufacturer CA, with these extensions. */
function bootstrapCertificate(
  est: Est,
  name: string,
  cn: string,
  extensions: string[],
  shape: Shape = {},
): string {
  const extfile = join(est.dir, `${name}.ext`);
  writeFileSync(extfile, `${extensions.join("\n")}\n`);
  openssl(
    est.dir,
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    `ec_paramgen_curve:${shape.curve ?? "P-256"}`,
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    shape.subject ?? `/CN=${cn}`,
  );
  openssl(
    est.dir,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "maker.pem",
    "-CAkey",
    "maker.key",
    "-out",
    `${name}.pem`,
    "-days",
    "10",
    `-${shape.digest ?? "sha256"}`,
    "-extfile",
    extfile,
  );
  return name;
}

testWithEst.for([
  [
    "clientAuth and digitalSignature",
    "boot-ok-1",
    ["extendedKeyUsage=clientAuth,serverAuth", "keyUsage=critical,digitalSignature"],
  ],
  ["anyExtendedKeyUsage", "boot-ok-2", ["extendedKeyUsage=anyExtendedKeyUsage"]],
  ["CA:FALSE", "boot-ok-3", ["basicConstraints=critical,CA:FALSE"]],
] as const)(
  "a bootstrap certificate with %s gets an EST identity",
  async ([, device, extensions], { est }) => {
    const name = bootstrapCertificate(est, `${device}-boot`, device, [...extensions]);
    const answer = await enroll(est, `${device}-id`, "simpleenroll", name, `/CN=${device}`, EST_IDENTITY);
    expect(answer.status, answer.body).toBe(200);
  },
);

testWithEst.for([
  [
    "a CA certificate",
    "boot-no-1",
    ["basicConstraints=critical,CA:TRUE"],
    "the bootstrap certificate is a CA certificate",
  ],
  [
    "serverAuth only",
    "boot-no-2",
    ["extendedKeyUsage=serverAuth"],
    "the bootstrap certificate's extended key usage does not include clientAuth",
  ],
  [
    "keyAgreement only",
    "boot-no-3",
    ["keyUsage=critical,keyAgreement"],
    "the bootstrap certificate's key usage does not allow digitalSignature",
  ],
  [
    "for an SSL server (Netscape cert type)",
    "boot-no-4",
    ["nsCertType=server"],
    "the bootstrap certificate's Netscape cert type does not include an SSL client",
  ],
  [
    "marked with a critical extension we do not know",
    "boot-no-5",
    ["1.3.6.1.4.1.55555.1=critical,ASN1:UTF8String:must-understand"],
    "the bootstrap certificate has a critical extension this CA does not know (1.3.6.1.4.1.55555.1)",
  ],
  [
    "a P-521 key, off our allow-list",
    "boot-no-7",
    ["extendedKeyUsage=clientAuth"],
    "the bootstrap certificate's key is not accepted: EC curve secp521r1 is not accepted",
    { curve: "P-521" },
  ],
  [
    "for two CNs",
    "boot-no-8",
    [],
    "the bootstrap certificate has more than one CN",
    { subject: "/CN=boot-no-8/CN=boot-no-9" },
  ],
] as const)(
  "a bootstrap certificate that is %s enrols nothing, and the refusal says why and is audited",
  async ([, device, extensions, reason, shape], { est, service }) => {
    const name = bootstrapCertificate(est, `${device}-boot`, device, [...extensions], shape);
    const answer = await enroll(est, `${device}-id`, "simpleenroll", name, `/CN=${device}`, EST_IDENTITY);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain(reason);
    const audit = await service.context.store.listAudit({ limit: 1000 });
    // The entry names the certificate: the caller is anonymous, and the operator must find the device.
    const subject =
      (shape as Shape | undefined)?.subject === undefined ? `CN=${device}` : "CN=boot-no-8, CN=boot-no-9";
    expect(
      audit.filter(
        (entry) => entry.action === "auth.failure" && String(entry.details?.reason).includes(reason),
      ),
    ).toEqual([
      expect.objectContaining({
        details: expect.objectContaining({
          certificate: { subject, serialNumber: expect.stringMatching(/^[0-9a-f]+$/), issuer: "CN=Maker CA" },
        }),
      }),
    ]);
    expect(await service.context.store.listByDevice(device, { limit: 10 })).toEqual([]);
  },
);

testWithEst(
  "a bootstrap certificate valid now, from a manufacturer CA that has expired, enrols nothing",
  async ({ est, startService }) => {
    const day = 24 * 60 * 60 * 1000;
    const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
    const caKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    const deviceKeys = await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    const expiredCa = await x509.X509CertificateGenerator.createSelfSigned({
      name: "CN=Expired Maker CA",
      serialNumber: "01",
      notBefore: new Date(Date.now() - 60 * day),
      notAfter: new Date(Date.now() - day),
      keys: caKeys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ],
    });
    const bootstrap = await x509.X509CertificateGenerator.create({
      subject: "CN=boot-late",
      issuer: expiredCa.subject,
      serialNumber: "02",
      notBefore: new Date(Date.now() - day),
      notAfter: new Date(Date.now() + 10 * day),
      publicKey: deviceKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: algorithm,
    });
    const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", deviceKeys.privateKey);
    writeFileSync(join(est.dir, "expired-maker.pem"), expiredCa.toString("pem"));
    writeFileSync(join(est.dir, "boot-late.pem"), bootstrap.toString("pem"));
    writeFileSync(join(est.dir, "boot-late.key"), x509.PemConverter.encode(pkcs8, "PRIVATE KEY"), {
      mode: 0o600,
    });
    const lines: Record<string, unknown>[] = [];
    const late = await startService({
      env: { EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: join(est.dir, "expired-maker.pem") },
      logger: jsonLogger((line) => lines.push(JSON.parse(line))),
    });
    // Said at start, before any device meets it.
    expect(lines).toContainEqual(
      expect.objectContaining({ level: "info", message: "EST listening", manufacturerCas: 1 }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        message: "a manufacturer CA is not valid now: its devices cannot enrol",
        subject: "CN=Expired Maker CA",
      }),
    );
    const target = await estOf(late, est.dir, "late");
    const answer = await enroll(
      target,
      "late-id",
      "simpleenroll",
      "boot-late",
      "/CN=boot-late",
      EST_IDENTITY,
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toContain("the bootstrap CA that signed it (CN=Expired Maker CA) is not valid now");
  },
);

testWithEst("a bootstrap certificate signed with SHA-1 enrols nothing", async ({ est }) => {
  // Signed with SHA-1, which curl's OpenSSL refuses to send: an older client stack would.
  const name = bootstrapCertificate(est, "boot-sha1", "boot-sha1", ["extendedKeyUsage=clientAuth"], {
    digest: "sha1",
  });
  const { status, body } = await new Promise<{ status: number | undefined; body: string }>(
    (resolve, reject) => {
      const sent = request(
        `${est.url}/simpleenroll`,
        {
          method: "POST",
          headers: { "content-type": "application/pkcs10", "content-transfer-encoding": "base64" },
          ca: est.rootPem,
          cert: readFileSync(join(est.dir, `${name}.pem`)),
          key: readFileSync(join(est.dir, `${name}.key`)),
          // Security level 0: this client sends a SHA-1 certificate, as the service must expect.
          ciphers: "DEFAULT@SECLEVEL=0",
        },
        (response) => {
          let text = "";
          response.on("data", (chunk) => {
            text += chunk;
          });
          response.on("end", () => resolve({ status: response.statusCode, body: text }));
        },
      );
      sent.on("error", reject);
      sent.end(csr(est, "sha1-id", "/CN=boot-sha1", EST_IDENTITY));
    },
  );
  expect(status).toBe(403);
  expect(body).toContain(
    "the bootstrap certificate is signed with SHA-1: only SHA-256, SHA-384 and SHA-512 are accepted",
  );
});

testWithEst(
  "a certificate of nobody we trust says that it is neither ours nor a manufacturer's",
  async ({ est }) => {
    await opensslSelfSigned(est.dir, "foreign", {
      subject: "/CN=boot-foreign",
      extensions: ["basicConstraints=CA:FALSE"],
    });
    const answer = await enroll(
      est,
      "foreign-id",
      "simpleenroll",
      "foreign",
      "/CN=boot-foreign",
      EST_IDENTITY,
    );
    expect(answer.status).toBe(403);
    expect(answer.body.trim()).toBe(
      "the client certificate was not issued by this CA, nor signed directly by a manufacturer CA it trusts (its issuer: CN=boot-foreign)",
    );
  },
);

import { webcrypto } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { x509 } from "../src/core/x509.js";
import { type Est, enroll, openssl, testWithEst } from "./support/est.js";

/**
 * Which manufacturer certificates stand for a device, driven by curl over real TLS: the EST listener
 * asks for a client certificate without requiring a trusted one, so what a TLS stack would check of
 * a client certificate (validity of both, an end entity, key usage, extended key usage) is ours.
 */
const EST_IDENTITY = ["extendedKeyUsage=clientAuth"];

/** A bootstrap certificate for `cn` signed by the file's manufacturer CA, with these extensions. */
function bootstrapCertificate(est: Est, name: string, cn: string, extensions: string[]): string {
  const extfile = join(est.dir, `${name}.ext`);
  writeFileSync(extfile, `${extensions.join("\n")}\n`);
  openssl(
    est.dir,
    "req",
    "-new",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`,
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
] as const)(
  "a bootstrap certificate that is %s enrols nothing, and the refusal says why and is audited",
  async ([, device, extensions, reason], { est, service }) => {
    const name = bootstrapCertificate(est, `${device}-boot`, device, [...extensions]);
    const answer = await enroll(est, `${device}-id`, "simpleenroll", name, `/CN=${device}`, EST_IDENTITY);
    expect(answer.status).toBe(403);
    expect(answer.body).toContain(reason);
    const audit = await service.context.store.listAudit({ limit: 1000 });
    expect(
      audit.some(
        (entry) => entry.action === "auth.failure" && String(entry.details?.reason).includes(reason),
      ),
    ).toBe(true);
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
    const late = await startService({
      env: { EDGE_PKI_EST_PORT: "0", EDGE_PKI_EST_BOOTSTRAP_CA_FILE: join(est.dir, "expired-maker.pem") },
    });
    const rootPem = (await late.context.issuingCa.current()).root.toString("pem");
    writeFileSync(join(est.dir, "late-root.pem"), rootPem);
    const target: Est = {
      url: `${late.est?.url}/.well-known/est`,
      dir: est.dir,
      rootPem,
      rootFile: "late-root.pem",
    };
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

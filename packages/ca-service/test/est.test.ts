import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import { expect } from "vitest";
import { certsOnlyPkcs7 } from "../src/http/render/pkcs7-certs-only.js";
import { fakeClock, pinnedClock } from "./support/clock.js";
import { certificatesOf, csr, curl, type Est, enroll, estOf, openssl, testWithEst } from "./support/est.js";
import { retireWithCli, serialOfPem, servedCa, successorServedBy } from "./support/retirement.js";
import { call } from "./support/service.js";

/**
 * EST as IoT Edge speaks it, driven by curl and openssl (clients we did not write): headers,
 * 64-column base64 bodies, bootstrap certificate → EST identity → device identity and Edge CA.
 */
const describeText = (est: Est, name: string) =>
  openssl(est.dir, "x509", "-in", `${name}.pem`, "-noout", "-text");

testWithEst("cacerts needs no authentication and holds the intermediate and the root", async ({ est }) => {
  const answer = await curl(est, "cacerts");
  expect(answer.status).toBe(200);
  expect(answer.head).toContain("content-type: application/pkcs7-mime; smime-type=certs-only");
  expect(answer.body).not.toMatch(/\s/);
  const pem = certificatesOf(answer.body);
  expect(pem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  expect(pem).toContain(est.rootPem.trim().split("\n")[1]);
});

testWithEst("serves under a CA label, and refuses a label named like an operation", async ({ est }) => {
  expect((await curl(est, "line7/cacerts")).status).toBe(200);
  expect((await curl(est, "simpleenroll/cacerts")).status).toBe(404);
  const unknown = await curl(est, "csrattrs");
  expect(unknown.status).toBe(404);
  expect(unknown.head).toContain("content-type: text/plain");
});

testWithEst("the PKCS#7 is byte for byte what openssl crl2pkcs7 -nocrl writes", async ({ est }) => {
  const answer = await curl(est, "cacerts");
  writeFileSync(join(est.dir, "cacerts.pem"), certificatesOf(answer.body));
  const expected = execFileSync("openssl", [
    "crl2pkcs7",
    "-nocrl",
    "-certfile",
    join(est.dir, "cacerts.pem"),
    "-outform",
    "DER",
  ]);
  const ders =
    certificatesOf(answer.body).match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  const ours = certsOnlyPkcs7(
    ders.map((pem) => new Uint8Array(Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"))),
  );
  expect(Buffer.from(ours).equals(expected)).toBe(true);
  expect(Buffer.from(answer.body, "base64").equals(expected)).toBe(true);
});

testWithEst(
  "the IoT Edge flow: bootstrap → EST identity → device identity and Edge CA → a module certificate",
  async ({ est }) => {
    // 1–2. The bootstrap certificate gets an EST identity (aziot's CSR: CN + clientAuth only), under a label.
    const identity = await enroll(est, "est-id-edge-1", "edgeca/simpleenroll", "boot-edge-1", "/CN=edge-1", [
      "extendedKeyUsage=clientAuth",
    ]);
    expect(identity.status, identity.body).toBe(200);
    expect(identity.head).toContain("content-type: application/pkcs7-mime; smime-type=certs-only");
    expect(certificatesOf(identity.body).match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(describeText(est, "est-id-edge-1")).toMatch(/TLS Web Client Authentication/);
    // 3. The device identity (a CSR without extensions) and the Edge CA, with the EST identity.
    const device = await enroll(est, "device-edge-1", "simpleenroll", "est-id-edge-1", "/CN=edge-1");
    expect(device.status, device.body).toBe(200);
    const deviceText = describeText(est, "device-edge-1");
    expect(deviceText).toMatch(/CA:FALSE/);
    expect(deviceText).toMatch(/Digital Signature/);
    expect(deviceText).toMatch(/TLS Web Client Authentication/);
    const edgeCa = await enroll(
      est,
      "edgeca-edge-1",
      "simpleenroll",
      "est-id-edge-1",
      "/CN=aziot-edge CA edge-1",
      ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,digitalSignature,keyCertSign"],
    );
    expect(edgeCa.status, edgeCa.body).toBe(200);
    // An Edge CA named as a device, or as one of our CAs, would pass for what it is not.
    const rootCn = /CN\s*=\s*([^,\n]+)/.exec(
      openssl(est.dir, "x509", "-in", "root.pem", "-noout", "-subject"),
    )?.[1];
    for (const [name, subject] of [
      ["edgeca-as-device", "/CN=edge-2"],
      ["edgeca-as-root", `/CN=${rootCn?.trim()}`],
    ]) {
      const refused = await enroll(est, name as string, "simpleenroll", "est-id-edge-1", subject as string, [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,digitalSignature,keyCertSign",
      ]);
      expect({ name, status: refused.status }).toEqual({ name, status: 403 });
    }
    // 4. The Edge CA verifies as a CA under our intermediate.
    writeFileSync(join(est.dir, "cacerts.pem"), certificatesOf((await curl(est, "cacerts")).body));
    const chain = (files: string[]) => files.map((f) => readFileSync(join(est.dir, f), "utf8")).join("");
    writeFileSync(join(est.dir, "chain.pem"), chain(["cacerts.pem"]));
    expect(
      openssl(
        est.dir,
        "verify",
        "-purpose",
        "any",
        "-x509_strict",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "chain.pem",
        "edgeca-edge-1.pem",
      ),
    ).toMatch(/OK/);
    expect(describeText(est, "edgeca-edge-1")).toMatch(/CA:TRUE, pathlen:0/);
    // 5. A module server certificate signed by the Edge CA verifies against our root.
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
      "module.key",
      "-out",
      "module.csr",
      "-subj",
      "/CN=edgehub",
    );
    openssl(
      est.dir,
      "x509",
      "-req",
      "-in",
      "module.csr",
      "-CA",
      "edgeca-edge-1.pem",
      "-CAkey",
      "edgeca-edge-1.key",
      "-out",
      "module.pem",
      "-days",
      "5",
    );
    writeFileSync(join(est.dir, "edge-chain.pem"), chain(["edgeca-edge-1.pem", "cacerts.pem"]));
    expect(
      openssl(
        est.dir,
        "verify",
        "-purpose",
        "sslserver",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "edge-chain.pem",
        "module.pem",
      ),
    ).toMatch(/OK/);
  },
);

testWithEst(
  "simplereenroll renews the TLS client certificate and refuses a changed subject",
  async ({ est }) => {
    expect(
      (
        await enroll(est, "est-id-r", "simpleenroll", "boot-edge-2", "/CN=edge-2", [
          "extendedKeyUsage=clientAuth",
        ])
      ).status,
    ).toBe(200);
    expect((await enroll(est, "dev-r", "simpleenroll", "est-id-r", "/CN=edge-2")).status).toBe(200);
    const changed = await enroll(est, "dev-r-changed", "simplereenroll", "dev-r", "/CN=edge-2/O=Other");
    expect(changed.status).toBe(403);
    expect(changed.head).toContain("content-type: text/plain");
    expect(changed.body).toMatch(/identical/);
    const renewed = await enroll(est, "dev-r2", "simplereenroll", "dev-r", "/CN=edge-2");
    expect(renewed.status, renewed.body).toBe(200);
    // Renewed once: the old certificate no longer renews.
    expect((await enroll(est, "dev-r3", "simplereenroll", "dev-r", "/CN=edge-2")).status).toBe(403);
  },
);

testWithEst(
  "refusals: no credential, an Edge CA where policy forbids it, another device, a wrong type, 70 KiB, not base64",
  async ({ est }) => {
    const none = await curl(est, "simpleenroll", { body: csr(est, "anon", "/CN=edge-9") });
    expect(none.status).toBe(401);
    expect(none.head).toContain('www-authenticate: basic realm="edge-pki est"');
    expect(
      (
        await enroll(est, "est-id-2", "simpleenroll", "boot-edge-2", "/CN=edge-2", [
          "extendedKeyUsage=clientAuth",
        ])
      ).status,
    ).toBe(200);
    const forbidden = await enroll(est, "edgeca-2", "simpleenroll", "est-id-2", "/CN=aziot-edge CA edge-2", [
      "basicConstraints=critical,CA:TRUE,pathlen:0",
      "keyUsage=critical,digitalSignature,keyCertSign",
    ]);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatch(/policy/);
    // Another device's ID with this EST identity.
    expect((await enroll(est, "other", "simpleenroll", "est-id-2", "/CN=edge-1")).status).toBe(403);
    // A bootstrap certificate gets an EST identity only.
    expect((await enroll(est, "boot-device", "simpleenroll", "boot-edge-2", "/CN=edge-2")).status).toBe(403);
    const wrongType = await curl(est, "simpleenroll", {
      body: csr(est, "t", "/CN=edge-2"),
      cert: "est-id-2",
      type: "application/json",
    });
    expect(wrongType.status).toBe(415);
    const large = await curl(est, "simpleenroll", { body: "A".repeat(70 * 1024), cert: "est-id-2" });
    expect(large.status).toBe(413);
    const garbage = await curl(est, "simpleenroll", { body: "not base64!", cert: "est-id-2" });
    expect(garbage.status).toBe(400);
  },
);

testWithEst("a revoked EST identity enrols nothing, and its refusal is audited", async ({ est, service }) => {
  expect(
    (
      await enroll(est, "est-id-rev", "simpleenroll", "boot-edge-2", "/CN=edge-2", [
        "extendedKeyUsage=clientAuth",
      ])
    ).status,
  ).toBe(200);
  const serial =
    openssl(est.dir, "x509", "-in", "est-id-rev.pem", "-noout", "-serial")
      .split("=")[1]
      ?.trim()
      .toLowerCase() ?? "";
  const revoked = await call(`${service.url}/v1/certificates/${serial}/revoke`, {
    token: service.adminToken,
    body: { reason: "keyCompromise" },
  });
  expect(revoked.status).toBe(200);
  const refused = await enroll(est, "dev-rev", "simpleenroll", "est-id-rev", "/CN=edge-2");
  expect(refused.status).toBe(403);
  expect(refused.body).toMatch(/revoked/);
  const audit = await service.context.store.listAudit({ limit: 1000 });
  expect(
    audit.some(
      (entry) => entry.action === "auth.failure" && String(entry.details?.reason).includes("revoked"),
    ),
  ).toBe(true);
});

testWithEst(
  "the listener's own certificate is issued by our CA, recorded, and renewed after two thirds of its life",
  async ({ startService }) => {
    const clock = fakeClock();
    const service = await startService({ clock, env: { EDGE_PKI_EST_PORT: "0" } });
    const listener = service.est;
    if (listener === undefined) throw new Error("no EST listener");
    const first = await servedCertificate(listener.url);
    expect(first.subjectaltname).toContain("IP Address:127.0.0.1");
    const record = await service.context.store.findBySerialNumber(first.serialNumber.toLowerCase());
    expect(record?.profile).toBe("est-server");
    expect(await listener.renewIfDue()).toBe(false);
    clock.advance(19 * DAY_MS);
    expect(await listener.renewIfDue()).toBe(false);
    clock.advance(2 * DAY_MS);
    expect(await listener.renewIfDue()).toBe(true);
    const second = await servedCertificate(listener.url);
    expect(second.serialNumber).not.toBe(first.serialNumber);
    expect((await service.context.store.findBySerialNumber(second.serialNumber.toLowerCase()))?.profile).toBe(
      "est-server",
    );
  },
);

const DAY_MS = 24 * 60 * 60 * 1000;

/** The certificate a TLS handshake with `url` presents. */
function servedCertificate(url: string): Promise<PeerCertificate> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate());
      socket.end();
    });
    socket.on("error", reject);
  });
}

testWithEst("a device over its request budget gets 429 with Retry-After", async ({ est, startService }) => {
  const limited = await startService({
    clock: pinnedClock(),
    env: {
      EDGE_PKI_EST_PORT: "0",
      EDGE_PKI_EST_BOOTSTRAP_CA_FILE: join(est.dir, "maker.pem"),
      EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE: "1",
    },
  });
  const target = await estOf(limited, est.dir, "limited");
  const asks = ["extendedKeyUsage=clientAuth"];
  expect((await enroll(target, "lim-1", "simpleenroll", "boot-edge-1", "/CN=edge-1", asks)).status).toBe(200);
  const refused = await enroll(target, "lim-2", "simpleenroll", "boot-edge-1", "/CN=edge-1", asks);
  expect(refused.status).toBe(429);
  expect(refused.head).toMatch(/retry-after: \d+/);
  expect(refused.head).toContain("content-type: text/plain");
});

testWithEst(
  "HTTP Basic, as aziot sends it: an EST credential enrols within its scope, and only there",
  async ({ est, service }) => {
    const created = await call<{ username: string; password: string }>(`${service.url}/v1/est/credentials`, {
      token: service.adminToken,
      body: { username: "line9-fleet", devicePrefix: "line9-" },
    });
    expect(created.status).toBe(201);
    const basic = `${created.body.username}:${created.body.password}`;

    // A device identity (aziot's CSR: CN only, no extensions) and an EST identity, with Basic alone.
    const device = await curl(est, "simpleenroll", {
      body: csr(est, "basic-dev-1", "/CN=line9-0001"),
      basic,
    });
    expect(device.status).toBe(200);
    writeFileSync(join(est.dir, "basic-dev-1.pem"), certificatesOf(device.body));
    const text = describeText(est, "basic-dev-1");
    expect(text).toContain("TLS Web Client Authentication");
    expect(text).toContain("CA:FALSE");
    const identity = await curl(est, "simpleenroll", {
      body: csr(est, "basic-id-1", "/CN=line9-0002", ["extendedKeyUsage=clientAuth"]),
      basic,
    });
    expect(identity.status).toBe(200);

    // Outside its prefix: 403. An Edge CA: never with Basic alone. A wrong password: 401 and the challenge.
    expect(
      (await curl(est, "simpleenroll", { body: csr(est, "basic-other", "/CN=line8-0001"), basic })).status,
    ).toBe(403);
    expect(
      (
        await curl(est, "simpleenroll", {
          body: csr(est, "basic-edgeca", "/CN=aziot-edge CA line9-0001", [
            "basicConstraints=critical,CA:TRUE,pathlen:0",
            "keyUsage=critical,digitalSignature,keyCertSign",
          ]),
          basic,
        })
      ).status,
    ).toBe(403);
    const wrong = await curl(est, "simpleenroll", {
      body: csr(est, "basic-wrong", "/CN=line9-0003"),
      basic: `${created.body.username}:not-the-password`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.head).toContain('www-authenticate: basic realm="edge-pki est"');

    // A credential for one device says whose Edge CA it is: that device may enrol its Edge CA with it.
    const single = await call<{ username: string; password: string }>(`${service.url}/v1/est/credentials`, {
      token: service.adminToken,
      body: { username: "edge-10-est", deviceId: "edge-10" },
    });
    expect(single.status).toBe(201);
    const singleEdgeCa = await curl(est, "simpleenroll", {
      body: csr(est, "basic-edgeca-10", "/CN=aziot-edge CA edge-10", [
        "basicConstraints=critical,CA:TRUE,pathlen:0",
        "keyUsage=critical,digitalSignature,keyCertSign",
      ]),
      basic: `${single.body.username}:${single.body.password}`,
    });
    expect(singleEdgeCa.status, singleEdgeCa.body).toBe(200);

    // EST is not served over plain HTTP, where a Basic password would cross in clear.
    const plain = await fetch(`${service.url}/.well-known/est/simpleenroll`, {
      method: "POST",
      headers: {
        "content-type": "application/pkcs10",
        authorization: `Basic ${Buffer.from(basic).toString("base64")}`,
      },
      body: csr(est, "basic-plain", "/CN=line9-0009"),
    });
    expect(plain.status).toBe(404);
    expect((await fetch(`${service.url}/.well-known/est/cacerts`)).status).toBe(404);

    // Revoked: refused from the next request on.
    const listed = await call<{ items: { id: string; username: string }[] }>(
      `${service.url}/v1/est/credentials`,
      {
        token: service.adminToken,
      },
    );
    const id = listed.body.items.find((item) => item.username === "line9-fleet")?.id;
    expect(
      (
        await call(`${service.url}/v1/est/credentials/${id}/revoke`, {
          token: service.adminToken,
          method: "POST",
        })
      ).status,
    ).toBe(200);
    expect(
      (await curl(est, "simpleenroll", { body: csr(est, "basic-after", "/CN=line9-0004"), basic })).status,
    ).toBe(401);
  },
);

testWithEst(
  "after the intermediate is retired: an EST identity of the old one enrols after superseded, not after keyCompromise",
  async ({ est, service }) => {
    const cliEnv = {
      EDGE_PKI_DATA_DIR: service.dataDir,
      EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret",
    };
    const retire = async (reason: string) => {
      const retired = serialOfPem((await servedCa(service.url)).intermediateCertificatePem);
      expect((await retireWithCli(["--serial", retired, "--reason", reason], cliEnv)).code).toBe(0);
      return successorServedBy(service.url, retired);
    };
    const identity = (name: string) =>
      enroll(est, name, "simpleenroll", "boot-edge-2", "/CN=edge-2", ["extendedKeyUsage=clientAuth"]);

    // superseded: aziot renews with the EST identity it holds, and gets a certificate of the successor.
    expect((await identity("est-id-old")).status).toBe(200);
    const successor = await retire("superseded");
    // The listener's own certificate follows: the next check reissues it under the successor.
    const listener = service.est;
    if (listener === undefined) throw new Error("no EST listener");
    expect(await listener.renewIfDue()).toBe(true);
    const served = await servedCertificate(listener.url);
    const successorCa = new X509Certificate(successor.intermediateCertificatePem);
    expect(new X509Certificate(served.raw).verify(successorCa.publicKey)).toBe(true);
    expect(await listener.renewIfDue()).toBe(false);
    const device = await enroll(est, "dev-after-superseded", "simpleenroll", "est-id-old", "/CN=edge-2");
    expect(device.status, device.body).toBe(200);
    writeFileSync(join(est.dir, "successor.pem"), successor.intermediateCertificatePem);
    expect(
      openssl(
        est.dir,
        "verify",
        "-CAfile",
        "root.pem",
        "-untrusted",
        "successor.pem",
        "dev-after-superseded.pem",
      ),
    ).toMatch(/OK/);

    // keyCompromise: what the retired key signed proves nothing; the device enrols again.
    expect((await identity("est-id-doubted")).status).toBe(200);
    await retire("keyCompromise");
    const refused = await enroll(est, "dev-after-compromise", "simpleenroll", "est-id-doubted", "/CN=edge-2");
    expect(refused.status).toBe(403);
    expect(refused.body).toContain("enrol the device again");
  },
);

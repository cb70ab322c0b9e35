import "reflect-metadata";
import { X509Certificate as NodeX509, verify, webcrypto } from "node:crypto";
import type { CertificateClient } from "@azure/keyvault-certificates";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../src/index.js";
import { caught, certificateClient, cryptographyClient, keyClient } from "./helpers.js";
import { ecdsa, issue, localCa, pendingCsr } from "./local-ca.js";

describe("Key Vault emulator: certificates", () => {
  let emulator: KeyVaultEmulator;
  let certificates: CertificateClient;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator();
    certificates = certificateClient(emulator);
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it("creates and completes a self-signed certificate for issuer Self", async () => {
    const poller = await certificates.beginCreateCertificate(
      "self-root",
      {
        issuerName: "Self",
        subject: "CN=Edge PKI Root",
        keyType: "EC",
        keyCurveName: "P-384",
        keyUsage: ["keyCertSign", "cRLSign", "digitalSignature"],
        validityInMonths: 24,
      },
      { intervalInMs: 50 },
    );
    const created = await poller.pollUntilDone();
    expect(created.properties.enabled).toBe(true);

    const fetched = await certificates.getCertificate("self-root");
    const certificate = new x509.X509Certificate(fetched.cer as Uint8Array);
    expect(certificate.subject).toBe("CN=Edge PKI Root");
    expect(certificate.issuer).toBe("CN=Edge PKI Root");
    expect(await certificate.verify({ signatureOnly: true }, webcrypto)).toBe(true);
    const months =
      (certificate.notAfter.getUTCFullYear() - certificate.notBefore.getUTCFullYear()) * 12 +
      certificate.notAfter.getUTCMonth() -
      certificate.notBefore.getUTCMonth();
    expect(months).toBe(24);
    expect(fetched.properties.expiresOn?.getTime()).toBe(certificate.notAfter.getTime());
    expect(fetched.properties.x509ThumbprintString).toBe(
      new NodeX509(fetched.cer as Uint8Array).fingerprint.replaceAll(":", "").toLowerCase(),
    );
    expect(fetched.keyId).toBe(`${emulator.url}/keys/self-root/${fetched.properties.version}`);
    expect(fetched.policy?.issuerName).toBe("Self");
    expect(fetched.policy?.subject).toBe("CN=Edge PKI Root");

    const policy = await certificates.getCertificatePolicy("self-root");
    expect(policy).toMatchObject({
      keyType: "EC",
      keyCurveName: "P-384",
      validityInMonths: 24,
      issuerName: "Self",
    });

    // The certificate's key is a managed, non-exportable key in the key store.
    const key = await keyClient(emulator).getKey("self-root");
    expect(key.id).toBe(fetched.keyId);
    expect(key.properties.managed).toBe(true);
    expect(key.properties.exportable).toBe(false);
    const signed = await cryptographyClient(emulator, fetched.keyId as string).signData(
      "ES384",
      Buffer.from("crl"),
    );
    const publicKey = new NodeX509(fetched.cer as Uint8Array).publicKey;
    expect(
      verify("sha384", Buffer.from("crl"), { key: publicKey, dsaEncoding: "ieee-p1363" }, signed.result),
    ).toBe(true);
  });

  it("issues through CSR and merge for issuer Unknown, and the certificate's kid signs with the merged key", async () => {
    const ca = await localCa();
    await certificates.beginCreateCertificate("issuing-ca", {
      issuerName: "Unknown",
      subject: "CN=Edge PKI Issuing CA, O=Edge",
      keyType: "EC",
      keyCurveName: "P-256",
      exportable: false,
    });
    const operation = await certificates.getCertificateOperation("issuing-ca");
    const state = operation.getOperationState().certificateOperation;
    expect(state?.status).toBe("inProgress");
    expect(state?.statusDetails).toBe(
      "Pending certificate created. Please Perform Merge to complete the request.",
    );
    expect(state?.issuerName).toBe("Unknown");

    const pending = await certificates.getCertificate("issuing-ca");
    expect(pending.cer).toBeUndefined();
    expect(pending.properties.enabled).toBe(false);

    const csr = await pendingCsr(certificates, "issuing-ca");
    expect(csr.subject).toBe("CN=Edge PKI Issuing CA, O=Edge");
    expect(await csr.verify(webcrypto)).toBe(true);

    const issued = await issue(ca, csr.subjectName, csr.publicKey);
    const merged = await certificates.mergeCertificate("issuing-ca", [
      new Uint8Array(issued.rawData),
      new Uint8Array(ca.certificate.rawData),
    ]);
    expect(Buffer.from(merged.cer as Uint8Array).equals(Buffer.from(issued.rawData))).toBe(true);
    expect(merged.properties.enabled).toBe(true);

    const fetched = await certificates.getCertificate("issuing-ca");
    // The merge completes the certificate under a new version id, as in the recorded sessions.
    expect(fetched.properties.version).toBe(merged.properties.version);
    expect(fetched.properties.version).not.toBe(pending.properties.version);
    expect(Buffer.from(fetched.cer as Uint8Array).equals(Buffer.from(issued.rawData))).toBe(true);
    const byVersion = await certificates.getCertificateVersion(
      "issuing-ca",
      fetched.properties.version as string,
    );
    expect(byVersion.keyId).toBe(fetched.keyId);
    const completed = await certificates.getCertificateOperation("issuing-ca");
    expect(completed.getOperationState().certificateOperation?.status).toBe("completed");

    const data = Buffer.from("tbsCertificate bytes");
    const signed = await cryptographyClient(emulator, fetched.keyId as string).signData("ES256", data);
    const issuedKey = new NodeX509(Buffer.from(issued.rawData)).publicKey;
    expect(verify("sha256", data, { key: issuedKey, dsaEncoding: "ieee-p1363" }, signed.result)).toBe(true);
  });

  it("rejects merging a certificate for a different key with 400 and keeps the operation pending", async () => {
    const ca = await localCa();
    await certificates.beginCreateCertificate("wrong-key", {
      issuerName: "Unknown",
      subject: "CN=Wrong",
      keyType: "EC",
      keyCurveName: "P-256",
    });
    const csr = await pendingCsr(certificates, "wrong-key");
    const otherKeys = (await webcrypto.subtle.generateKey(ecdsa, true, [
      "sign",
      "verify",
    ])) as webcrypto.CryptoKeyPair;
    const foreign = await issue(ca, csr.subjectName, otherKeys.publicKey);

    const error = await caught(() =>
      certificates.mergeCertificate("wrong-key", [new Uint8Array(foreign.rawData)]),
    );
    expect(error).toMatchObject({ statusCode: 400, code: "BadParameter" });
    const garbage = await caught(() =>
      certificates.mergeCertificate("wrong-key", [new Uint8Array([1, 2, 3])]),
    );
    expect(garbage).toMatchObject({ statusCode: 400, code: "BadParameter" });
    const state = (await certificates.getCertificateOperation("wrong-key")).getOperationState();
    expect(state.certificateOperation?.status).toBe("inProgress");
  });

  it("answers 409 Forbidden to a second create while an operation is in progress, as the docs say", async () => {
    const policy = { issuerName: "Unknown", subject: "CN=Busy" } as const;
    await certificates.beginCreateCertificate("busy", policy);
    const error = await caught(() => certificates.beginCreateCertificate("busy", policy));
    expect(error).toMatchObject({
      statusCode: 409,
      code: "Forbidden",
      message:
        "A new key vault certificate can not be created or imported while a pending key vault certificate's status is inProgress.",
    });
  });

  it("creates RSA certificates (the Key Vault default key type) with SANs in the CSR", async () => {
    await certificates.beginCreateCertificate("rsa-leaf", {
      issuerName: "Unknown",
      subject: "CN=device-1",
      subjectAlternativeNames: { dnsNames: ["device-1.example"] },
      keyType: "RSA",
      keySize: 2048,
    });
    const csr = await pendingCsr(certificates, "rsa-leaf");
    expect(csr.publicKey.algorithm.name).toBe("RSASSA-PKCS1-v1_5");
    const extension = csr.getExtension("2.5.29.17");
    const san = extension && new x509.SubjectAlternativeNameExtension(extension.rawData);
    expect(san?.names.items.map((n) => [n.type, n.value])).toEqual([["dns", "device-1.example"]]);
  });

  it("lists every version, a pending one without a thumbprint, and keeps the issued one readable", async () => {
    const issued = await (
      await certificates.beginCreateCertificate(
        "versioned",
        { issuerName: "Self", subject: "CN=V1" },
        { intervalInMs: 50 },
      )
    ).pollUntilDone();
    await certificates.beginCreateCertificate("versioned", { issuerName: "Unknown", subject: "CN=V2" });
    const versions = [];
    for await (const properties of certificates.listPropertiesOfCertificateVersions("versioned")) {
      versions.push(properties);
    }
    expect(versions.map((v) => [v.version, v.enabled, v.x509Thumbprint !== undefined])).toEqual([
      [issued.properties.version, true, true],
      [expect.stringMatching(/^[0-9a-f]{32}$/), false, false],
    ]);
    expect((await certificates.getCertificate("versioned")).cer).toBeUndefined();
    const first = await certificates.getCertificateVersion("versioned", issued.properties.version as string);
    expect(Buffer.from(first.cer as Uint8Array)).toEqual(Buffer.from(issued.cer as Uint8Array));
    const missing = await caught(async () => {
      for await (const _ of certificates.listPropertiesOfCertificateVersions("nope")) break;
    });
    expect(missing).toMatchObject({ statusCode: 404, code: "CertificateNotFound" });
  });

  it("deletes a certificate with its key, keeps it as deleted, and frees its name only once purged", async () => {
    await certificates.beginCreateCertificate("short-lived", {
      issuerName: "Unknown",
      subject: "CN=short-lived",
    });
    const deleted = await (await certificates.beginDeleteCertificate("short-lived")).pollUntilDone();
    expect(deleted.recoveryId).toBe(`${emulator.url}/deletedcertificates/short-lived`);
    expect(await caught(() => certificates.getCertificate("short-lived"))).toMatchObject({ statusCode: 404 });
    expect(await caught(() => keyClient(emulator).getKey("short-lived"))).toMatchObject({ statusCode: 404 });
    const reused = await caught(() =>
      certificates.beginCreateCertificate("short-lived", { issuerName: "Unknown", subject: "CN=again" }),
    );
    expect(reused).toMatchObject({ statusCode: 409, code: "Conflict" });
    await certificates.purgeDeletedCertificate("short-lived");
    expect(await caught(() => certificates.getDeletedCertificate("short-lived"))).toMatchObject({
      statusCode: 404,
    });
    await certificates.beginCreateCertificate("short-lived", { issuerName: "Unknown", subject: "CN=again" });
  });

  it("maps missing certificates and operations to RestErrors with Key Vault codes", async () => {
    const missing = await caught(() => certificates.getCertificate("nope"));
    expect(missing).toMatchObject({ statusCode: 404, code: "CertificateNotFound" });
    const noOperation = await caught(() => certificates.getCertificateOperation("nope"));
    expect(noOperation).toMatchObject({ statusCode: 404 });
    const noPending = await caught(() =>
      certificates.mergeCertificate("self-root", [new Uint8Array([48, 0])]),
    );
    expect(noPending).toMatchObject({ statusCode: 404, code: "PendingCertificateNotFound" });
    const badSubject = await caught(() =>
      certificates.beginCreateCertificate("bad-subject", { issuerName: "Self", subject: "" }),
    );
    expect(badSubject).toMatchObject({ statusCode: 400, code: "BadParameter" });
  });
});

import "reflect-metadata";
import { verify } from "node:crypto";
import type { CertificateClient } from "@azure/keyvault-certificates";
import type { KeyClient } from "@azure/keyvault-keys";
import * as x509 from "@peculiar/x509";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../src/index.js";
import {
  caught,
  certificateClient,
  cryptographyClient,
  ExchangeRecorder,
  keyClient,
  publicKeyOf,
} from "./helpers.js";
import { issue, localCa, pendingCsr } from "./local-ca.js";

/**
 * The lifecycle of a certificate as real vaults show it in the SDK's recorded sessions and the
 * docs (packages/emulators/README.md cites each): where a lenient fake would let a client get away
 * with something a vault refuses.
 */
describe("Key Vault emulator: a certificate's lifecycle as recorded against real vaults", () => {
  let emulator: KeyVaultEmulator;
  const recorder = new ExchangeRecorder();
  let certificates: CertificateClient;
  let keys: KeyClient;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator();
    certificates = certificateClient(emulator, { recorder });
    keys = keyClient(emulator, { recorder });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  const startUnknown = (name: string) =>
    certificates.beginCreateCertificate(name, {
      issuerName: "Unknown",
      subject: `CN=${name}`,
      keyType: "EC",
      keyCurveName: "P-256",
      exportable: false,
    });

  it("answers a create and a poll in progress with Retry-After: 10, and a completed poll without", async () => {
    await startUnknown("polled");
    const created = recorder.last("POST", "/certificates/polled/create");
    expect(created.status).toBe(202);
    expect(created.headers.retryAfter).toBe("10");
    expect(created.headers.location).toMatch(
      new RegExp(`^${emulator.url}/certificates/polled/pending\\?api-version=[^&]+&request_id=[0-9a-f]{32}$`),
    );
    await certificates.getCertificateOperation("polled");
    expect(recorder.last("GET", "/certificates/polled/pending").headers.retryAfter).toBe("10");

    const ca = await localCa();
    const csr = await pendingCsr(certificates, "polled");
    await certificates.mergeCertificate("polled", [
      new Uint8Array((await issue(ca, csr.subjectName, csr.publicKey)).rawData),
    ]);
    await certificates.getCertificateOperation("polled");
    expect(recorder.last("GET", "/certificates/polled/pending").headers.retryAfter).toBeUndefined();
  });

  it("shows a pending certificate as recorded: disabled, its planned validity, no kid, sid, x5t or cer", async () => {
    await startUnknown("pending-shape");
    const fetched = await certificates.getCertificate("pending-shape");
    const body = recorder.last("GET", "/certificates/pending-shape/").body ?? {};
    expect(Object.keys(body).sort()).toEqual(["attributes", "id", "pending", "policy"]);
    expect(body.id).toBe(`${emulator.url}/certificates/pending-shape/${fetched.properties.version}`);
    expect(body.pending).toEqual({ id: `${emulator.url}/certificates/pending-shape/pending` });
    const attributes = body.attributes as Record<string, number | boolean>;
    expect(attributes.enabled).toBe(false);
    // As recorded: valid from ten minutes before creation, for the policy's 12 months.
    expect((attributes.created as number) - (attributes.nbf as number)).toBe(600);
    expect(fetched.properties.expiresOn?.getUTCMonth()).toBe(
      (new Date((attributes.created as number) * 1000).getUTCMonth() + 12) % 12,
    );
    expect(fetched.keyId).toBeUndefined();
  });

  it("refuses to sign with a pending certificate's key: 403, innererror KeyDisabled", async () => {
    await startUnknown("pending-signer");
    const pendingKey = await keys.getKey("pending-signer");
    expect(pendingKey.properties.enabled).toBe(false);
    const signsBefore = emulator.stats.signs;
    const refused = await caught(() =>
      cryptographyClient(emulator, pendingKey.id as string).sign("ES256", new Uint8Array(32)),
    );
    expect(refused).toMatchObject({
      statusCode: 403,
      code: "Forbidden",
      message: "Operation sign is not allowed on a disabled key.",
    });
    expect(refused.details?.error?.innerError?.code).toBe("KeyDisabled");
    expect(emulator.stats.signs).toBe(signsBefore);
  });

  it("merges into a new version id, answers 201 with Location, and the pending id is gone", async () => {
    await startUnknown("merged");
    const pendingVersion = (await certificates.getCertificate("merged")).properties.version as string;
    const ca = await localCa();
    const csr = await pendingCsr(certificates, "merged");
    const issued = await issue(ca, csr.subjectName, csr.publicKey);
    const merged = await certificates.mergeCertificate("merged", [new Uint8Array(issued.rawData)]);

    const answer = recorder.last("POST", "/certificates/merged/pending/merge");
    expect(answer.status).toBe(201);
    expect(answer.headers.location).toMatch(
      new RegExp(`^${emulator.url}/certificates/merged\\?api-version=`),
    );
    const version = merged.properties.version as string;
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(version).not.toBe(pendingVersion);
    expect(merged.keyId).toBe(`${emulator.url}/keys/merged/${version}`);
    expect(await caught(() => certificates.getCertificateVersion("merged", pendingVersion))).toMatchObject({
      statusCode: 404,
      code: "CertificateNotFound",
    });
    expect(await caught(() => keys.getKey("merged", { version: pendingVersion }))).toMatchObject({
      statusCode: 404,
      code: "KeyNotFound",
    });

    // The merged version's key mirrors the certificate: enabled, with its validity, and it signs.
    const key = await keys.getKey("merged", { version });
    expect(key.properties.enabled).toBe(true);
    expect(key.properties.notBefore?.getTime()).toBe(issued.notBefore.getTime());
    expect(key.properties.expiresOn?.getTime()).toBe(issued.notAfter.getTime());
    const data = Buffer.from("signed after the merge");
    const signed = await cryptographyClient(emulator, key.id as string).signData("ES256", data);
    expect(verify("sha256", data, { key: publicKeyOf(key), dsaEncoding: "ieee-p1363" }, signed.result)).toBe(
      true,
    );
  });

  it("disables a completed version with updateCertificateProperties: its key signs nothing until enabled again", async () => {
    await startUnknown("retired");
    const ca = await localCa();
    const csr = await pendingCsr(certificates, "retired");
    const merged = await certificates.mergeCertificate("retired", [
      new Uint8Array((await issue(ca, csr.subjectName, csr.publicKey)).rawData),
    ]);
    const version = merged.properties.version as string;
    const signer = cryptographyClient(emulator, merged.keyId as string);

    const disabled = await certificates.updateCertificateProperties("retired", version, { enabled: false });
    expect(recorder.last("PATCH", `/certificates/retired/${version}`).status).toBe(200);
    expect(disabled.properties.enabled).toBe(false);
    expect((await certificates.getCertificateVersion("retired", version)).properties.enabled).toBe(false);
    expect((await keys.getKey("retired", { version })).properties.enabled).toBe(false);
    const refused = await caught(() => signer.sign("ES256", new Uint8Array(32)));
    expect(refused).toMatchObject({ statusCode: 403, code: "Forbidden" });
    expect(refused.details?.error?.innerError?.code).toBe("KeyDisabled");

    await certificates.updateCertificateProperties("retired", version, {
      enabled: true,
      tags: { note: "back" },
    });
    expect((await certificates.getCertificateVersion("retired", version)).properties.tags).toEqual({
      note: "back",
    });
    expect((await signer.sign("ES256", new Uint8Array(32))).result).toHaveLength(64);
    expect(
      await caught(() =>
        certificates.updateCertificateProperties("retired", "0".repeat(32), { enabled: false }),
      ),
    ).toMatchObject({ statusCode: 404, code: "CertificateNotFound" });
  });

  it("merges base64 of PEM text too, as the recorded merge sent it", async () => {
    await startUnknown("merged-pem");
    const ca = await localCa();
    const csr = await pendingCsr(certificates, "merged-pem");
    const issued = await issue(ca, csr.subjectName, csr.publicKey);
    // The SDK base64-encodes each entry: PEM text in, base64 of PEM text on the wire.
    const merged = await certificates.mergeCertificate("merged-pem", [
      new TextEncoder().encode(issued.toString("pem")),
    ]);
    expect(Buffer.from(merged.cer as Uint8Array)).toEqual(Buffer.from(issued.rawData));
  });

  it("lets CryptographyClient refuse, before any call, a key whose certificate is not valid yet", async () => {
    await startUnknown("future");
    const ca = await localCa();
    const csr = await pendingCsr(certificates, "future");
    const tomorrow = Date.now() + 86_400_000;
    const issued = await issue(ca, csr.subjectName, csr.publicKey, {
      notBefore: new Date(tomorrow),
      notAfter: new Date(tomorrow + 86_400_000),
    });
    const merged = await certificates.mergeCertificate("future", [new Uint8Array(issued.rawData)]);
    const requestsBefore = emulator.stats.requests;
    const signer = keys.getCryptographyClient("future", { keyVersion: merged.properties.version as string });
    const refused = await caught(() => signer.sign("ES256", new Uint8Array(32)));
    expect(refused.message).toMatch(/can't be used before/);
    // Only the key was fetched; the check that refused was the SDK's own, on the key's nbf.
    expect(emulator.stats.requests - requestsBefore).toBe(1);
  });

  it("grants a certificate's key only the operations its policy's key usages map to", async () => {
    await certificates.beginCreateCertificate("wrapping-only", {
      issuerName: "Unknown",
      subject: "CN=wrapping-only",
      keyType: "RSA",
      keySize: 2048,
      keyUsage: ["keyEncipherment"],
    });
    expect((await keys.getKey("wrapping-only")).keyOperations?.sort()).toEqual(["unwrapKey", "wrapKey"]);
    await startUnknown("default-usages");
    expect((await keys.getKey("default-usages")).keyOperations?.sort()).toEqual(["sign", "verify"]);
  });

  it("completes an issuer Self certificate only after a while, so a client has to poll", async () => {
    // An emulator of its own, on a clock the test moves: in progress until the delay has passed.
    let now = Date.now();
    const slow = await startKeyVaultEmulator({ clock: () => now, selfSignedDelayMs: 10_000 });
    try {
      const selfCertificates = certificateClient(slow);
      const poller = await selfCertificates.beginCreateCertificate(
        "self-later",
        { issuerName: "Self", subject: "CN=self-later", keyType: "EC", keyCurveName: "P-256" },
        { intervalInMs: 50 },
      );
      expect(poller.isDone()).toBe(false);
      expect((await keyClient(slow).getKey("self-later")).properties.enabled).toBe(false);
      now += 10_000;
      const done = await poller.pollUntilDone();
      const certificate = new x509.X509Certificate(done.cer as Uint8Array);
      const key = await keyClient(slow).getKey("self-later");
      // Self keeps the version id; its key now mirrors the certificate.
      expect(key.id).toBe(done.keyId);
      expect(key.properties.enabled).toBe(true);
      expect(key.properties.expiresOn?.getTime()).toBe(certificate.notAfter.getTime());
      const merge = await caught(() =>
        selfCertificates.mergeCertificate("self-later", [new Uint8Array(certificate.rawData)]),
      );
      expect(merge).toMatchObject({ statusCode: 404, code: "PendingCertificateNotFound" });
    } finally {
      await slow.stop();
    }
  });
});

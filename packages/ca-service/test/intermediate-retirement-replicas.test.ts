import { createPublicKey, X509Certificate } from "node:crypto";
import { join } from "node:path";
import { CryptographyClient } from "@azure/keyvault-keys";
import { describe, expect } from "vitest";
import { it, test } from "./support/fixtures.js";
import { credential } from "./support/key-vault.js";
import {
  enrolledDevice,
  renewDevice,
  retireWithCli,
  serialOfPem,
  servedCa,
  servedCrls,
  successorServedBy,
  verifyWithCrls,
} from "./support/retirement.js";

// Replicas as a cloud deployment runs them: CA keys in Key Vault (the emulator, driven by the
// official clients), records in one PostgreSQL database, each replica with an empty data folder of
// its own. Nothing but the vault and the database carries the retirement from the CLI to them.
test.override("serviceOptions", ({ vault, postgres }) => ({ env: vault.env(postgres.env) }));
test.override({ replicaDataDir: "own" });

const b64url = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString("base64url");

describe("retiring the intermediate with Key Vault keys and replicas on PostgreSQL", () => {
  it("adds a certificate version in the vault, keeps the old key disabled, and every replica switches within seconds", async ({
    service,
    replica,
    vault,
    postgres,
    dataDir: dir,
  }) => {
    const before = await servedCa(replica.url);
    const retired = serialOfPem(before.intermediateCertificatePem);
    const device = await enrolledDevice(
      { url: replica.url, adminToken: service.adminToken },
      dir,
      "kv-era-1",
    );
    const crlsBefore = await servedCrls(service.url);

    const retirement = await retireWithCli(["--serial", retired, "--reason", "superseded"], {
      ...vault.env(postgres.env),
      // The CLI, like the replicas, needs no local files: keys in the vault, records in PostgreSQL.
      EDGE_PKI_DATA_DIR: join(dir.path, "cli-data"),
    });
    expect(retirement).toMatchObject({ code: 0, stderr: "" });
    const [onService, onReplica] = [
      await successorServedBy(service.url, retired),
      await successorServedBy(replica.url, retired),
    ];
    expect(onReplica).toEqual(onService);

    // In the vault: the certificate's newest version is the successor; the retired key is kept.
    const inVault = await vault.certificates.getCertificate("edge-pki-intermediate");
    expect(Buffer.from(inVault.cer ?? [])).toEqual(
      Buffer.from(onService.intermediateCertificatePem.replace(/-----[A-Z ]+-----|\s/g, ""), "base64"),
    );
    const keptKeyId = retirement.stdout.match(/its key is kept: (\S+)\n/)?.[1] ?? "";
    expect(keptKeyId).toMatch(new RegExp(`^${vault.emulator.url}/keys/edge-pki-intermediate/[0-9a-f]+$`));
    expect(keptKeyId).not.toBe(inVault.keyId);
    const keptVersion = keptKeyId.split("/").pop() as string;
    const kept = await vault.keys.getKey("edge-pki-intermediate", { version: keptVersion });
    // Disabled, as the output says: the vault refuses to sign with it (403 KeyDisabled).
    expect({ id: kept.id, enabled: kept.properties.enabled }).toEqual({ id: keptKeyId, enabled: false });
    expect(retirement.stdout).toContain(`disabled the replaced key: ${keptKeyId}\n`);
    const oldSigner = new CryptographyClient(keptKeyId, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: vault.emulator.caCertificatePem },
    });
    const refused = await oldSigner.sign("ES256", new Uint8Array(32)).catch((error: unknown) => error);
    expect(refused).toMatchObject({
      statusCode: 403,
      details: { error: { innerError: { code: "KeyDisabled" } } },
    });
    expect(
      (await vault.certificates.getCertificateVersion("edge-pki-intermediate", keptVersion)).properties
        .enabled,
    ).toBe(false);
    const audit = await service.context.store.listAudit({ limit: 1000 });
    // The retired key, and init's self-signed placeholder version of the same key with it.
    const disabled = audit.filter((entry) => entry.action === "intermediate.key-disable");
    expect(disabled).toEqual([
      expect.objectContaining({ details: { keys: expect.arrayContaining([keptKeyId]) } }),
    ]);
    for (const keyId of (disabled[0]?.details?.keys ?? []) as string[]) {
      expect(retirement.stdout).toContain(`disabled the replaced key: ${keyId}\n`);
      const version = keyId.split("/").pop() as string;
      expect((await vault.keys.getKey("edge-pki-intermediate", { version })).properties.enabled).toBe(false);
      expect(keyId).not.toBe(inVault.keyId);
    }
    // Run again (a retry after a timeout): already retired, nothing left to disable.
    const again = await retireWithCli(["--serial", retired, "--reason", "superseded"], {
      ...vault.env(postgres.env),
      EDGE_PKI_DATA_DIR: join(dir.path, "cli-data"),
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already retired .*: nothing done\n$/);
    // …and it is the retired intermediate's key.
    const keptSpki = createPublicKey({
      key: { kty: "EC", crv: "P-256", x: b64url(kept.key?.x), y: b64url(kept.key?.y) },
      format: "jwk",
    }).export({ format: "der", type: "spki" });
    expect(keptSpki).toEqual(
      new X509Certificate(before.intermediateCertificatePem).publicKey.export({
        format: "der",
        type: "spki",
      }),
    );

    // The old chain fails openssl's full check now; the new one passes; superseded lets the old
    // certificate renew onto the successor, on either replica.
    const crlsAfter = await servedCrls(replica.url);
    const oldVerdict = await verifyWithCrls(dir, {
      rootPem: before.rootCertificatePem,
      intermediatePem: before.intermediateCertificatePem,
      leafPath: device.leafPath,
      crlPems: [crlsBefore.issuing, crlsAfter.root],
    });
    expect(oldVerdict.output).toContain("error 23 at 1 depth lookup: certificate revoked");
    const renewal = await renewDevice(replica.url, dir, device);
    expect(renewal.status).toBe(201);
    const renewedPath = await dir.file("kv-era-1-renewed.pem", renewal.body.certificatePem);
    expect(
      await verifyWithCrls(dir, {
        rootPem: onService.rootCertificatePem,
        intermediatePem: onService.intermediateCertificatePem,
        leafPath: renewedPath,
        crlPems: [(await servedCrls(service.url)).issuing, crlsAfter.root],
      }),
    ).toMatchObject({ code: 0 });
  });
});

import { join } from "node:path";
import type { IssuedCredentials } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import type { KeyVaultClient } from "../src/adapters/keys/azure-key-vault/key-vault-client.js";
import { KeyVaultKeyStore } from "../src/adapters/keys/azure-key-vault/key-vault-key-store.js";
import { initCa } from "../src/app/init-ca.js";
import { loadIssuingCa } from "../src/app/load-issuing-ca.js";
import { x509 } from "../src/core/x509.js";
import type { CaKeyStore } from "../src/ports/ca-key-store.js";
import { secureRandom, systemClock } from "../src/ports/clock.js";
import { runCli } from "./support/cli.js";
import { it, test } from "./support/fixtures.js";
import { certificateNamesOf, type TestVault } from "./support/key-vault.js";
import { openssl } from "./support/openssl.js";
import { call } from "./support/service.js";

// Tests that throttle the vault put it back.
test.afterEach(async ({ vault }) => {
  await vault.emulator.setFaults({ throttle: null, faults: {} });
});

const initIn = (keyStore: CaKeyStore) =>
  initCa({
    keyStore,
    clock: systemClock,
    random: secureRandom,
    keyAlgorithm: "ECDSA_P256",
    name: "Strict",
    rootValidityDays: 3650,
    intermediateValidityDays: 1825,
  });

/** Every version of a Key Vault certificate, oldest first: whether completed, and its tags. */
async function versionsOf(vault: TestVault, name: string) {
  const versions = [];
  for await (const properties of vault.certificates.listPropertiesOfCertificateVersions(name)) {
    versions.push({ completed: properties.x509Thumbprint !== undefined, tags: properties.tags ?? {} });
  }
  return versions;
}

const PLACEHOLDER = { "edge-pki": "key-placeholder" };

describe("Key Vault init under the strict rules: a pending certificate's key never signs", () => {
  it("creates each CA as a key placeholder (Self) and then its certificate (Unknown, reuse_key, merged), and serves with the current versions' keys", async ({
    vault,
    dataDir,
    startService,
  }) => {
    const names = certificateNamesOf({ root: "strict-root", intermediate: "strict-issuing" });
    const service = await startService({
      env: vault.env({
        EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: names.root,
        EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: names.intermediate,
        EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: names["token-signing"],
      }),
    });
    for (const name of Object.values(names)) {
      expect(await versionsOf(vault, name)).toEqual([
        { completed: true, tags: PLACEHOLDER },
        { completed: true, tags: {} },
      ]);
    }
    // The signers are the keys of the certificates' current versions, which the merge created.
    const ca = await service.context.issuingCa.current();
    expect(ca.rootSigner.keyRef).toBe((await vault.certificates.getCertificate(names.root)).keyId);
    expect(ca.signer.keyRef).toBe((await vault.certificates.getCertificate(names.intermediate)).keyId);

    // The root signs at run time too: its CRL verifies under the root certificate.
    const crl = await call(`${service.url}/v1/ca/crl.pem`);
    expect(crl.status).toBe(200);
    const crlPath = await dataDir.file("strict-root.crl.pem", crl.text);
    const rootPath = await dataDir.file("strict-root.pem", ca.root.toString("pem"));
    expect(await openssl(["crl", "-in", crlPath, "-CAfile", rootPath, "-noout", "-verify"])).toMatch(
      /verify OK/,
    );
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      token: service.adminToken,
      body: { deviceId: "strict-device" },
    });
    expect(issued.status).toBe(201);
  });

  // The nine changes a full init makes, in order; a crash can come after any of them.
  const STEPS = [
    "root placeholder",
    "root version to certify",
    "root merged",
    "intermediate placeholder",
    "intermediate version to certify",
    "intermediate merged",
    "token-signing placeholder",
    "token-signing version to certify",
  ] as const;
  const MERGE_STEP = { root: 3, intermediate: 6, "token-signing": 9 } as const;

  it.for(STEPS.map((step, index) => [index + 1, step] as const))(
    "resumes after step %i (%s): nothing redone, nothing left behind, the root's key kept",
    { timeout: 60_000 },
    async ([done], { vault }) => {
      const names = certificateNamesOf({
        root: `resume-${done}-root`,
        intermediate: `resume-${done}-issuing`,
      });
      const crashing = counting(vault.client(), done);
      await expect(
        initIn(new KeyVaultKeyStore({ client: crashing, certificateNames: names, hsm: false })),
      ).rejects.toThrow("crashed before a change to the vault");
      const rootKey = (await vault.keyStore({ certificateNames: names }).load("root"))?.signer.publicKeySpki;

      const resuming = counting(vault.client(), Number.POSITIVE_INFINITY);
      const result = await initIn(
        new KeyVaultKeyStore({ client: resuming, certificateNames: names, hsm: false }),
      );
      expect(resuming.changes()).toBe(9 - done);
      expect(result.created).toEqual(
        (["root", "intermediate", "token-signing"] as const).filter((part) => MERGE_STEP[part] > done),
      );
      expect(Buffer.from(result.root.publicKey.rawData)).toEqual(Buffer.from(rootKey ?? []));
      expect(
        await result.intermediate.verify({ publicKey: result.root.publicKey, signatureOnly: true }),
      ).toBe(true);
      for (const name of Object.values(names)) {
        expect(await versionsOf(vault, name)).toEqual([
          { completed: true, tags: PLACEHOLDER },
          { completed: true, tags: {} },
        ]);
      }
    },
  );

  it("adopts a root that exists (Self, no placeholder tag) and serves with its key", async ({ vault }) => {
    const names = certificateNamesOf({ root: "adopted-strict-root", intermediate: "adopted-strict-issuing" });
    await (
      await vault.certificates.beginCreateCertificate(
        names.root,
        {
          issuerName: "Self",
          subject: "CN=Adopted Strict Root",
          keyType: "EC",
          keyCurveName: "P-256",
          exportable: false,
          keyUsage: ["keyCertSign", "cRLSign"],
          validityInMonths: 24,
        },
        { intervalInMs: 50 },
      )
    ).pollUntilDone();
    const existing = await vault.certificates.getCertificate(names.root);
    const result = await initIn(vault.keyStore({ certificateNames: names }));
    expect(result.created).toEqual(["intermediate", "token-signing"]);
    expect(Buffer.from(result.root.rawData)).toEqual(Buffer.from(existing.cer ?? []));
    expect(await versionsOf(vault, names.root)).toEqual([{ completed: true, tags: {} }]);
    const ca = await loadIssuingCa(vault.keyStore({ certificateNames: names }), systemClock);
    expect(ca.rootSigner.keyRef).toBe(existing.keyId);
  });

  it("survives a 429 without Retry-After on every certificate read, create, poll and merge of init and start", async ({
    vault,
  }) => {
    const names = certificateNamesOf({ root: "throttled-root", intermediate: "throttled-issuing" });
    const store = () =>
      vault.keyStore({
        certificateNames: names,
        backoff: { firstDelayMs: 20, maxDelayMs: 200, maxRetries: 50 },
      });
    // Every create, certificate read, poll and merge meets one bare 429 first, whatever the timing.
    // (Signatures are left out: the signing policy retries each with a new call, which this fault
    // would throttle again; the burst test in key-vault-faults.test.ts throttles signing.)
    await vault.emulator.setFaults({ faults: { throttleFirstAttempts: ["createKey", "vault"] } });
    const before = vault.emulator.stats.throttledByType;
    const result = await initIn(store());
    const ca = await loadIssuingCa(store(), systemClock);
    expect(Buffer.from(ca.root.rawData)).toEqual(Buffer.from(result.root.rawData));
    const after = vault.emulator.stats.throttledByType;
    // Six creates (a placeholder and a certificate version per part); reads and three merges.
    expect(after.createKey - before.createKey).toBe(6);
    expect(after.vault - before.vault).toBeGreaterThan(3);
  });
});

describe("Key Vault vaults that an older init left", () => {
  const startUnknown = (vault: TestVault, name: string) =>
    vault.certificates.beginCreateCertificate(name, {
      issuerName: "Unknown",
      subject: `CN=${name}`,
      keyType: "EC",
      keyCurveName: "P-256",
      exportable: false,
    });

  it("refuses, in one line with the way out, a root left pending (its key cannot sign)", async ({
    vault,
    dataDir,
  }) => {
    await startUnknown(vault, "old-pending-root");
    const refused = await runCli(
      ["init", "--data-dir", join(dataDir.path, "old-pending")],
      vault.env({
        EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: "old-pending-root",
        EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: "old-pending-issuing",
        EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: "old-pending-token",
      }),
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n")).toEqual([
      "edge-pki-ca: Key Vault certificate old-pending-root is pending (left by an init from before Edge PKI made key placeholders) and a pending certificate's key cannot sign: delete the pending operation (az keyvault certificate pending delete --vault-name <vault> --name old-pending-root) and run init again",
    ]);
    expect(
      (await vault.certificates.getCertificateOperation("old-pending-root")).getOperationState()
        .certificateOperation?.status,
    ).toBe("inProgress");
  });

  it("completes an intermediate left pending under a root that exists, and serves the old-way certificate", async ({
    vault,
    startService,
  }) => {
    const names = certificateNamesOf({ root: "old-root", intermediate: "old-issuing" });
    await initIn(vault.keyStore({ certificateNames: { ...names, intermediate: "old-unused-issuing" } }));
    await startUnknown(vault, names.intermediate);
    const pendingCsr = (
      await vault.certificates.getCertificateOperation(names.intermediate)
    ).getOperationState().certificateOperation?.csr;
    const pendingKey = new x509.Pkcs10CertificateRequest(pendingCsr ?? new Uint8Array()).publicKey.rawData;

    const result = await initIn(vault.keyStore({ certificateNames: names }));
    expect(result.created).toEqual(["intermediate"]);
    expect(Buffer.from(result.intermediate.publicKey.rawData)).toEqual(Buffer.from(pendingKey));
    // As an older init left it: Unknown, merged, no placeholder before it.
    expect(await versionsOf(vault, names.intermediate)).toEqual([{ completed: true, tags: {} }]);

    const service = await startService({
      env: vault.env({
        EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: names.root,
        EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: names.intermediate,
        EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: names["token-signing"],
      }),
    });
    const issued = await call<IssuedCredentials>(`${service.url}/v1/credentials`, {
      token: await service.token(["admin"]),
      body: { deviceId: "old-way-device" },
    });
    expect(issued.status).toBe(201);
  });
});

/**
 * The client, counting its changes to the vault (creates and merges); with `crashAfter` changes
 * made, the next one throws instead, as a process killed at that point would stop.
 */
function counting(client: KeyVaultClient, crashAfter: number): KeyVaultClient & { changes(): number } {
  let changes = 0;
  const change = async <T>(make: () => Promise<T>): Promise<T> => {
    if (changes >= crashAfter) throw new Error("crashed before a change to the vault");
    changes++;
    return make();
  };
  return {
    vaultUrl: client.vaultUrl,
    changes: () => changes,
    getCertificate: (name) => client.getCertificate(name),
    getPendingOperation: (name) => client.getPendingOperation(name),
    createCertificate: (name, creation) => change(() => client.createCertificate(name, creation)),
    waitForOperation: (name) => client.waitForOperation(name),
    mergeCertificate: (name, der) => change(() => client.mergeCertificate(name, der)),
    disableOtherVersions: (name, keep) => change(() => client.disableOtherVersions(name, keep)),
    probe: (keyName, options) => client.probe(keyName, options),
    getKey: (name, version) => client.getKey(name, version),
    sign: (keyId, algorithm, digest, options) => client.sign(keyId, algorithm, digest, options),
  };
}

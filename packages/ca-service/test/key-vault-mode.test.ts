import { createHash } from "node:crypto";
import { join } from "node:path";
import type { IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { initCa } from "../src/app/init-ca.js";
import { secureRandom, systemClock } from "../src/ports/clock.js";
import { runCli } from "./support/cli.js";
import { it } from "./support/fixtures.js";
import type { TestVault } from "./support/key-vault.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

const versionedKid = (vault: TestVault, name: string) =>
  new RegExp(`^${vault.emulator.url}/keys/${name}/[0-9a-f]{32}$`);

async function certificateInVault(
  vault: TestVault,
  name: string,
): Promise<{ der: Buffer; version: string | undefined }> {
  const certificate = await vault.certificates.getCertificate(name);
  return { der: Buffer.from(certificate.cer ?? []), version: certificate.properties.version };
}

describe("Key Vault mode", () => {
  it("creates both CAs in Key Vault, serves from them, and issues a chain openssl verifies", async ({
    vault,
    dataDir: dir,
    startService,
  }) => {
    const service = await startService({ env: vault.env() });
    const ca = await service.context.issuingCa.current();
    expect(service.context.keyStore.kind).toBe("keyvault");
    expect(ca.signer.keyRef).toMatch(versionedKid(vault, "edge-pki-intermediate"));
    expect((await certificateInVault(vault, "edge-pki-root")).der).toEqual(Buffer.from(ca.root.rawData));
    expect((await certificateInVault(vault, "edge-pki-intermediate")).der).toEqual(
      Buffer.from(ca.certificate.rawData),
    );

    const { csrPem } = await opensslCsr(dir, "/CN=kv-device-1");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem },
    });
    expect(issued.status).toBe(201);
    const rootPath = await dir.file("kv-root.pem", ca.root.toString("pem"));
    const intermediatePath = await dir.file("kv-intermediate.pem", ca.certificate.toString("pem"));
    const leafPath = await dir.file("kv-leaf.pem", issued.body.certificatePem);
    expect(
      await openssl(["verify", "-CAfile", rootPath, "-untrusted", intermediatePath, leafPath]),
    ).toContain("kv-leaf.pem: OK");

    const rootText = await openssl(["x509", "-in", rootPath, "-noout", "-text"]);
    expect(rootText).toMatch(/Basic Constraints: critical\s+CA:TRUE\n/);
    expect(rootText).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign\n/);
    expect(rootText).toContain("Subject: CN = Edge PKI Root CA");
    expect(rootText).toContain("ASN1 OID: prime256v1");
    const intermediateText = await openssl(["x509", "-in", intermediatePath, "-noout", "-text"]);
    expect(intermediateText).toMatch(/Basic Constraints: critical\s+CA:TRUE, pathlen:1/);
    expect(intermediateText).toContain("Issuer: CN = Edge PKI Root CA");
    for (const certificate of [ca.root, ca.certificate]) {
      expect(certificate.notAfter.getTime()).toBeLessThan(Date.parse("2038-01-01T00:00:00Z"));
    }

    expect((await call(`${service.url}/readyz`)).status).toBe(200);
  });

  const cliEnv = (vault: TestVault, root: string, intermediate: string) => ({
    ...vault.env({
      EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: root,
      EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: intermediate,
      EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: `${root}-token`,
    }),
    // The flags below stand in for these two.
    EDGE_PKI_KEY_STORE: "",
    EDGE_PKI_KEYVAULT_URL: "",
  });
  const initArgs = (vault: TestVault, dataDir: string) => [
    "init",
    "--data-dir",
    dataDir,
    "--key-store",
    "keyvault",
    "--vault-url",
    vault.emulator.url,
  ];

  it("edge-pki-ca init is idempotent: a second run changes nothing in Key Vault", async ({
    vault,
    dataDir: dir,
  }) => {
    const env = cliEnv(vault, "cli-root", "cli-issuing");
    const first = await runCli(initArgs(vault, join(dir.path, "cli")), env);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("created root and intermediate");
    expect(first.stdout).toContain("token-signing");
    expect(first.stdout).toContain(`admin token written to: ${join(dir.path, "cli", "admin.token")}`);
    // Key Vault mode uses no local passphrase, so none is generated and no warning printed.
    expect(first.stderr).not.toContain("EDGE_PKI_KEY_PASSPHRASE");
    const root = await certificateInVault(vault, "cli-root");
    const intermediate = await certificateInVault(vault, "cli-issuing");
    expect(first.stdout).toContain(createHash("sha256").update(root.der).digest("hex"));

    const second = await runCli(initArgs(vault, join(dir.path, "cli")), env);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing changed");
    expect(await certificateInVault(vault, "cli-root")).toEqual(root);
    expect(await certificateInVault(vault, "cli-issuing")).toEqual(intermediate);
  });

  const initIn = (vault: TestVault, root: string, intermediate: string) =>
    initCa({
      keyStore: vault.keyStore({ certificateNames: { root, intermediate } }),
      clock: systemClock,
      random: secureRandom,
      keyAlgorithm: "ECDSA_P256",
      name: "Adopting",
      rootValidityDays: 3650,
      intermediateValidityDays: 1825,
    });
  const selfSignedRoot = (
    vault: TestVault,
    name: string,
    keyUsage: ("keyCertSign" | "cRLSign" | "digitalSignature")[],
  ) =>
    vault.certificates.beginCreateCertificate(
      name,
      {
        issuerName: "Self",
        subject: `CN=${name}`,
        keyType: "EC",
        keyCurveName: "P-256",
        exportable: false,
        keyUsage,
        validityInMonths: 24,
      },
      { intervalInMs: 50 },
    );

  it("adopts a root that already exists in Key Vault and builds the intermediate under it", async ({
    vault,
  }) => {
    await (await selfSignedRoot(vault, "adopted-root", ["keyCertSign", "cRLSign"])).pollUntilDone();
    const existing = await certificateInVault(vault, "adopted-root");
    const result = await initIn(vault, "adopted-root", "adopted-issuing");
    expect(result.created).toEqual(["intermediate", "token-signing"]);
    expect(Buffer.from(result.root.rawData)).toEqual(existing.der);
    expect(await result.intermediate.verify({ publicKey: result.root.publicKey, signatureOnly: true })).toBe(
      true,
    );
  });

  it("refuses to adopt a root that may not sign certificates, and builds nothing on it", async ({
    vault,
  }) => {
    await (await selfSignedRoot(vault, "unfit-root", ["digitalSignature"])).pollUntilDone();
    await expect(initIn(vault, "unfit-root", "unfit-issuing")).rejects.toThrow(
      "the root certificate is not a CA (basicConstraints)",
    );
    expect(
      await vault
        .keyStore({ certificateNames: { root: "unfit-root", intermediate: "unfit-issuing" } })
        .load("intermediate"),
    ).toBeUndefined();
  });

  it("init names the vault, the operation and the role when the vault refuses, on one line", async ({
    vault,
    dataDir: dir,
  }) => {
    await vault.emulator.setFaults({ faults: { errorRate: 1, errorStatus: 403 } });
    try {
      const refused = await runCli(
        initArgs(vault, join(dir.path, "refused")),
        cliEnv(vault, "refused-root", "refused-issuing"),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(
          `^edge-pki-ca: Key Vault ${vault.emulator.url}: read certificate refused-root failed: 403 .*Key Vault Certificates Officer`,
        ),
      ]);
    } finally {
      await vault.emulator.setFaults({ faults: {} });
    }
  });

  it("a burst of signatures on a fresh key answers the vault's challenge once and fetches the key once", async ({
    vault,
  }) => {
    const store = vault.keyStore({ certificateNames: { root: "burst-root", intermediate: "burst-issuing" } });
    const signer = await store.createKey("root", "ECDSA_P256");
    const before = vault.emulator.stats;
    const data = new TextEncoder().encode("burst");
    await Promise.all(Array.from({ length: 32 }, () => signer.sign(data)));
    const after = vault.emulator.stats;
    expect(after.signs - before.signs).toBe(32);
    expect(after.unauthorized - before.unauthorized).toBeLessThanOrEqual(1);
    expect(after.requests - before.requests).toBeLessThanOrEqual(32 + 2);
  });

  it("creates EC-HSM keys when configured for a Premium vault", async ({ vault }) => {
    const store = vault.keyStore({
      certificateNames: { root: "hsm-root", intermediate: "hsm-issuing" },
      hsm: true,
    });
    const signer = await store.createKey("root", "ECDSA_P384");
    expect(signer.keyRef).toMatch(versionedKid(vault, "hsm-root"));
    const key = await vault.keys.getKey("hsm-root");
    expect(key.keyType).toBe("EC-HSM");
    expect(key.key?.crv).toBe("P-384");
  });
});

const sha256 = (der: ArrayBuffer | Uint8Array) =>
  createHash("sha256")
    .update(new Uint8Array(der as ArrayBuffer))
    .digest("hex");

describe("Key Vault: a pending version started on a CA that exists", () => {
  it.for(["root", "intermediate"] as const)(
    "of the %s: init creates nothing, and start serves the same CA",
    { timeout: 60_000 },
    async (which, { vault, dataDir: dir, startService }) => {
      const names = { root: `pending-${which}-root`, intermediate: `pending-${which}-issuing` };
      const env = vault.env({
        EDGE_PKI_KEYVAULT_ROOT_CERTIFICATE: names.root,
        EDGE_PKI_KEYVAULT_INTERMEDIATE_CERTIFICATE: names.intermediate,
        EDGE_PKI_KEYVAULT_TOKEN_SIGNING_CERTIFICATE: `pending-${which}-token`,
      });
      const dataDir = join(dir.path, which);
      const first = await runCli(["init", "--data-dir", dataDir], env);
      expect(first.code).toBe(0);
      expect(first.stdout).toContain("created root and intermediate");
      const issued = {
        root: (await vault.certificates.getCertificate(names.root)).cer as Uint8Array,
        intermediate: (await vault.certificates.getCertificate(names.intermediate)).cer as Uint8Array,
      };

      // Someone starts a new version in the vault (a rotation begun by hand, a stray script).
      await vault.certificates.beginCreateCertificate(names[which], {
        issuerName: "Unknown",
        subject: "CN=not the CA",
        keyType: "EC",
        keyCurveName: "P-256",
        exportable: false,
      });
      expect((await vault.certificates.getCertificate(names[which])).cer).toBeUndefined();

      const second = await runCli(["init", "--data-dir", dataDir], env);
      expect(second.stderr).toBe("");
      expect(second.code).toBe(0);
      expect(second.stdout).toContain("nothing changed");
      expect(second.stdout).toContain(sha256(issued.root));

      const service = await startService({ env, dataDir });
      const ca = await service.context.issuingCa.current();
      expect(sha256(ca.root.rawData)).toBe(sha256(issued.root));
      expect(sha256(ca.certificate.rawData)).toBe(sha256(issued.intermediate));
      const credentials = await call(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId: `after-pending-${which}` },
      });
      expect(credentials.status).toBe(201);
      await service.stop();
      // The stray operation is left alone for whoever started it.
      const operation = await vault.certificates.getCertificateOperation(names[which]);
      expect(operation.getOperationState().certificateOperation?.status).toBe("inProgress");
    },
  );
});

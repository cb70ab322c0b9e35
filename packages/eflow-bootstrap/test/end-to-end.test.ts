import { X509Certificate } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { armClient, register, serviceClient } from "../../emulators/test/dps/clients.js";
import { createPki } from "../../emulators/test/dps/pki.js";
import { eflowBootstrap } from "./support/cli.js";
import { file, test } from "./support/fixtures.js";

/**
 * The whole scenario through real boundaries: the CA as a child process, the DPS emulator, the
 * eflow-bootstrap command as a child process, and the official Azure clients from npm.
 */
describe("from a fresh device to a DPS registration", () => {
  test("enroll the CA root, redeem a bootstrap token, register with the official device client", async ({
    ca,
    admin,
    dps,
    work,
  }) => {
    const operator = {
      EDGE_PKI_URL: ca.url,
      EDGE_PKI_TOKEN: ca.adminToken,
      DPS_CONNECTION_STRING: dps.connectionString,
    };
    const dpsFlags = [
      "--dps-endpoint",
      dps.serviceUrl,
      "--dps-ca-file",
      await file(work, "dps.pem", dps.caCertificatePem),
    ];
    const enroll = [
      ...[
        "dps",
        "enroll",
        "--group",
        "line7",
        "--certificate",
        "root",
        "--tags",
        '{"line":"7","site":"Lyon"}',
      ],
      ...[
        "--allocation-policy",
        "hashed",
        "--iot-hubs",
        "hub-a.azure-devices.net,hub-b.azure-devices.net",
        ...dpsFlags,
      ],
    ];
    const first = await eflowBootstrap(enroll, operator);
    expect(first).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("enrollment group line7: created"),
    });
    // A re-run converges (If-Match with the current etag) instead of failing with 409.
    const again = await eflowBootstrap(enroll, operator);
    expect(again).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("enrollment group line7: updated"),
    });

    // Read-back with the official service client: what `dps enroll` wrote.
    const { responseBody: group } = await serviceClient(dps).getEnrollmentGroup("line7");
    const root = new X509Certificate((await admin.getCa()).rootCertificatePem);
    expect(group).toMatchObject({
      enrollmentGroupId: "line7",
      provisioningStatus: "enabled",
      capabilities: { iotEdge: true },
      initialTwin: { tags: { line: "7", site: "Lyon" } },
      allocationPolicy: "hashed",
      iotHubs: ["hub-a.azure-devices.net", "hub-b.azure-devices.net"],
      attestation: {
        type: "x509",
        x509: {
          signingCertificates: {
            primary: { info: { sha256Thumbprint: root.fingerprint256.replaceAll(":", "") } },
          },
        },
      },
    });

    // DPS takes a group's certificate only once it is verified (proof of possession, as dps verify-ca
    // does below; here declared verified, as `az iot dps certificate create --verified true` does).
    await armClient(dps).dpsCertificate.createOrUpdate("rg", "dps", "line7-root", {
      properties: { certificate: new Uint8Array(root.raw), isVerified: true },
    });

    // The device: a one-time token, the key made on the device, the files in the protected folder.
    const { token } = await admin.createBootstrapToken("line7-0001", { ttlSeconds: 900 });
    const dir = join(work, "device-0001");
    const config = await file(
      work,
      "bootstrap-0001.json",
      JSON.stringify({
        deviceId: "line7-0001",
        ca: { url: ca.url, rootSha256: root.fingerprint256 },
        dir,
        dps: { idScope: dps.idScope },
        target: "linux",
      }),
    );
    const credentials = await eflowBootstrap(["credentials", "--config", config], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(credentials.code).toBe(0);
    expect(credentials.stderr).not.toContain(token);
    const written = JSON.parse(credentials.stdout) as {
      fullChainPath: string;
      privateKeyPath: string;
      serialNumber: string;
    };
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(written.privateKeyPath)).mode & 0o777).toBe(0o600);
    const chain = await readFile(written.fullChainPath, "utf8");
    expect(new X509Certificate(chain).subject).toBe("CN=line7-0001");

    // The official device client registers with those files and is assigned.
    const key = await readFile(written.privateKeyPath, "utf8");
    const assigned = await register(dps, "line7-0001", { cert: chain, key });
    expect(assigned).toMatchObject({ status: "assigned", deviceId: "line7-0001" });
    expect(["hub-a.azure-devices.net", "hub-b.azure-devices.net"]).toContain(assigned.assignedHub);

    // Running credentials again asks the CA for nothing: still one certificate.
    const rerun = await eflowBootstrap(["credentials", "--config", config], {});
    expect(rerun.code).toBe(0);
    expect(rerun.stderr).toContain("no certificate asked for");
    expect((await admin.listDeviceCertificates("line7-0001")).items).toHaveLength(1);

    // Shut the device out of the group (and revoke it at the CA): the same files are refused.
    const disabled = await eflowBootstrap(
      ["dps", "disable-device", "line7-0001", "--revoke", "keyCompromise", ...dpsFlags],
      operator,
    );
    expect(disabled).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("line7-0001: disabled in DPS"),
    });
    expect(disabled.stdout).toContain(written.serialNumber);
    await expect(register(dps, "line7-0001", { cert: chain, key })).rejects.toThrow(/disabled/);
    expect((await admin.getCertificate(written.serialNumber)).status).toBe("revoked");
    const { responseBody: individual } = await serviceClient(dps).getIndividualEnrollment("line7-0001");
    expect(individual).toMatchObject({ provisioningStatus: "disabled" });

    // Another device of the same CA is still assigned; one of another CA is refused.
    const second = await admin.createDeviceIdentity("line7-0002");
    await expect(
      register(dps, "line7-0002", { cert: second.fullChainPem, key: second.privateKeyPem }),
    ).resolves.toMatchObject({ status: "assigned" });
    const foreign = await createPki("foreign");
    try {
      const stranger = await foreign.device("line7-0003");
      await expect(
        register(dps, "line7-0003", { cert: stranger.chainPem, key: stranger.keyPem }),
      ).rejects.toMatchObject({
        response: { statusCode: 401 },
      });
    } finally {
      await foreign.dispose();
    }
  });

  test("dps enroll with a Microsoft Entra ID credential instead of a connection string", async ({ dps }) => {
    const { enrollGroup } = await import("../src/dps/enroll.js");
    const pki = await createPki("entra");
    try {
      let scopes: string | string[] = "";
      const credential = {
        getToken: async (scope: string | string[]) => {
          scopes = scope;
          return { token: "entra-access-token", expiresOnTimestamp: Date.now() + 3_600_000 };
        },
      };
      const connection = {
        authentication: { kind: "token-credential" as const, hostName: "localhost", credential },
        endpoint: dps.serviceUrl,
        caPem: dps.caCertificatePem,
      };
      const created = await enrollGroup(connection, {
        enrollmentGroupId: "entra",
        signingCertificatePem: pki.root.certificatePem,
      });
      expect(created.outcome).toBe("created");
      expect(scopes).toBe("https://azure-devices-provisioning.net/.default");
      const updated = await enrollGroup(connection, {
        enrollmentGroupId: "entra",
        signingCertificatePem: pki.root.certificatePem,
        provisioningStatus: "disabled",
      });
      expect(updated).toMatchObject({ outcome: "updated", record: { provisioningStatus: "disabled" } });
    } finally {
      await pki.dispose();
    }
  });

  test("proof of possession: dps verify-ca, then a group that refers to the verified CA", async ({
    ca,
    admin,
    dps,
    work,
  }) => {
    const armToken = await file(work, "arm.token", "arm-access-token-for-tests");
    const arm = [
      ...[
        "--subscription",
        "00000000-0000-0000-0000-000000000001",
        "--resource-group",
        "iot",
        "--dps-name",
        "fleet",
      ],
      ...[
        "--arm-token-file",
        armToken,
        "--arm-endpoint",
        dps.serviceUrl,
        "--arm-ca-file",
        await file(work, "arm.pem", dps.caCertificatePem),
      ],
    ];
    const operator = {
      EDGE_PKI_URL: ca.url,
      EDGE_PKI_TOKEN: ca.adminToken,
      DPS_CONNECTION_STRING: dps.connectionString,
    };
    const verified = await eflowBootstrap(
      ["dps", "verify-ca", "--certificate", "intermediate", ...arm],
      operator,
    );
    expect(verified.stderr).toContain("the CA signed verification certificate");
    expect(verified).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^edge-pki-intermediate \([0-9A-F]{40}\): verified\n$/),
    });
    const again = await eflowBootstrap(
      ["dps", "verify-ca", "--certificate", "intermediate", ...arm],
      operator,
    );
    expect(again.stdout).toContain("verified (already)");
    const audit = [];
    for await (const entry of admin.audit({ pageSize: 1000 })) audit.push(entry);
    expect(audit.filter((entry) => entry.action === "verification-certificate.issue")).toHaveLength(1);

    const dpsFlags = ["--dps-endpoint", dps.serviceUrl, "--dps-ca-file", join(work, "arm.pem")];
    const enrolled = await eflowBootstrap(
      ["dps", "enroll", "--group", "by-reference", "--ca-reference", "edge-pki-intermediate", ...dpsFlags],
      operator,
    );
    expect(enrolled.code).toBe(0);
    const device = await admin.createDeviceIdentity("line8-0001");
    await expect(
      register(dps, "line8-0001", { cert: device.fullChainPem, key: device.privateKeyPem }),
    ).resolves.toMatchObject({ status: "assigned", deviceId: "line8-0001" });
  });
});

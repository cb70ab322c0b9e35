import { X509Certificate } from "node:crypto";
import { describe, expect } from "vitest";
import { serviceClient } from "../../emulators/test/dps/clients.js";
import { createPki, type TestPki } from "../../emulators/test/dps/pki.js";
import type { DpsConnection } from "../src/dps/dps-connection.js";
import { eflowBootstrap } from "./support/cli.js";
import { file, test } from "./support/fixtures.js";

/** The operator's DPS commands against the emulator, read back with the official service client. */
const connectionTo = (dps: {
  connectionString: string;
  serviceUrl: string;
  caCertificatePem: string;
}): DpsConnection => ({
  authentication: { kind: "connection-string", connectionString: dps.connectionString },
  endpoint: dps.serviceUrl,
  caPem: dps.caCertificatePem,
});

async function withPki(label: string, use: (pki: TestPki) => Promise<void>): Promise<void> {
  const pki = await createPki(label);
  try {
    await use(pki);
  } finally {
    await pki.dispose();
  }
}

describe("updates change only what they are asked to change", () => {
  test("disable-device keeps the device ID, twin, hubs and allocation of an individual enrollment", async ({
    dps,
  }) => {
    const { disableDevice } = await import("../src/dps/disable-device.js");
    await withPki("keep-individual", async (pki) => {
      const device = await pki.device("keep-0001");
      const service = serviceClient(dps);
      await service.createOrUpdateIndividualEnrollment({
        registrationId: "keep-0001",
        deviceId: "hub-device-0001",
        attestation: {
          type: "x509",
          x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
        },
        capabilities: { iotEdge: true },
        initialTwin: { tags: { line: "7" }, properties: { desired: { mode: "eco" } } },
        allocationPolicy: "static",
        iotHubs: ["hub-a.azure-devices.net"],
        provisioningStatus: "enabled",
      } as never);
      await disableDevice(connectionTo(dps), {
        deviceId: "keep-0001",
        certificatePems: [device.certificatePem],
      });
      const { responseBody: read } = await service.getIndividualEnrollment("keep-0001");
      expect(read).toMatchObject({
        registrationId: "keep-0001",
        deviceId: "hub-device-0001",
        provisioningStatus: "disabled",
        capabilities: { iotEdge: true },
        initialTwin: { tags: { line: "7" }, properties: { desired: { mode: "eco" } } },
        allocationPolicy: "static",
        iotHubs: ["hub-a.azure-devices.net"],
      });
    });
  });

  test("enroll --disabled keeps a group's twin, hubs and allocation; options given replace theirs", async ({
    dps,
  }) => {
    const { enrollGroup } = await import("../src/dps/enroll.js");
    await withPki("keep-group", async (pki) => {
      const connection = connectionTo(dps);
      await enrollGroup(connection, {
        enrollmentGroupId: "keep-group",
        signingCertificatePem: pki.root.certificatePem,
        tags: { line: "8" },
        allocationPolicy: "static",
        iotHubs: ["hub-a.azure-devices.net"],
      });
      const disabled = await enrollGroup(connection, {
        enrollmentGroupId: "keep-group",
        signingCertificatePem: pki.root.certificatePem,
        provisioningStatus: "disabled",
      });
      expect(disabled.record).toMatchObject({
        provisioningStatus: "disabled",
        initialTwin: { tags: { line: "8" } },
        allocationPolicy: "static",
        iotHubs: ["hub-a.azure-devices.net"],
        capabilities: { iotEdge: true },
      });
      const retagged = await enrollGroup(connection, {
        enrollmentGroupId: "keep-group",
        signingCertificatePem: pki.root.certificatePem,
        tags: { line: "9" },
        iotEdge: false,
      });
      expect(retagged.record).toMatchObject({
        provisioningStatus: "disabled",
        initialTwin: { tags: { line: "9" } },
        allocationPolicy: "static",
        capabilities: { iotEdge: false },
      });
    });
  });
});

describe("dps enroll --device-certificate takes only what DPS can match", () => {
  test("refuses a CA certificate and a registration ID other than the CN, each in one line", async ({
    dps,
    work,
  }) => {
    await withPki("individual-checks", async (pki) => {
      const device = await pki.device("check-0001");
      const operator = { DPS_CONNECTION_STRING: dps.connectionString };
      const enroll = async (certificatePath: string, ...more: string[]) =>
        eflowBootstrap(
          [
            ...["dps", "enroll", "--device-certificate", certificatePath, ...more],
            ...[
              "--dps-endpoint",
              dps.serviceUrl,
              "--dps-ca-file",
              await file(work, "dps.pem", dps.caCertificatePem),
            ],
          ],
          operator,
        );
      const ca = await enroll(pki.intermediate.certificatePath, "--registration-id", "check-0001");
      expect(ca.code).toBe(1);
      expect(ca.stderr).toMatch(/^[^\n]*is a CA certificate \(CA:TRUE\)[^\n]*\[certificate_invalid\]\n$/);
      const other = await enroll(device.certificatePath, "--registration-id", "check-0002");
      expect(other.code).toBe(1);
      expect(other.stderr).toMatch(
        /^[^\n]*has CN=check-0001, not the registration ID check-0002[^\n]*\[certificate_invalid\]\n$/,
      );
      await expect(serviceClient(dps).getIndividualEnrollment("check-0002")).rejects.toMatchObject({
        response: { statusCode: 404 },
      });
      // The CN in other letter case is the same registration ID.
      const accepted = await enroll(device.certificatePath, "--registration-id", "CHECK-0001");
      expect(accepted).toMatchObject({ code: 0, stdout: expect.stringContaining("individual enrollment") });
    });
  });

  test("never sends a private key: a file with one beside the certificate is refused, a chain sends its leaf", async ({
    dps,
    work,
  }) => {
    await withPki("key-files", async (pki) => {
      const device = await pki.device("keyfile-0001");
      const dpsFlags = [
        "--dps-endpoint",
        dps.serviceUrl,
        "--dps-ca-file",
        await file(work, "dps.pem", dps.caCertificatePem),
      ];
      const operator = { DPS_CONNECTION_STRING: dps.connectionString };
      // `cat key cert`, as operators make a "combined" PEM, for a device, a group and disable-device.
      const withKey = await file(work, "device-with-key.pem", device.keyPem + device.certificatePem);
      const groupWithKey = await file(work, "root-with-key.pem", pki.root.certificatePem + pki.root.keyPem);
      for (const args of [
        ["dps", "enroll", "--device-certificate", withKey],
        ["dps", "enroll", "--group", "keyfile-group", "--certificate-file", groupWithKey],
        ["dps", "disable-device", "keyfile-0001", "--certificate-file", withKey],
      ]) {
        const refused = await eflowBootstrap([...args, ...dpsFlags], operator);
        expect(refused.code, args.join(" ")).toBe(1);
        expect(refused.stderr, args.join(" ")).toMatch(
          /^[^\n]*holds a PRIVATE KEY block: give a file with the certificate only[^\n]*\[certificate_invalid\]\n$/,
        );
        expect(refused.stderr).not.toContain("PRIVATE KEY-----");
      }
      const service = serviceClient(dps);
      await expect(service.getIndividualEnrollment("keyfile-0001")).rejects.toMatchObject({
        response: { statusCode: 404 },
      });
      await expect(service.getEnrollmentGroup("keyfile-group")).rejects.toMatchObject({
        response: { statusCode: 404 },
      });
      // A device's chain file (leaf first): only the leaf goes to DPS.
      const chain = await file(work, "device-chain.pem", device.chainPem);
      expect(
        (await eflowBootstrap(["dps", "enroll", "--device-certificate", chain, ...dpsFlags], operator)).code,
      ).toBe(0);
      const { responseBody: enrolled } = await service.getIndividualEnrollment("keyfile-0001");
      const sent = (
        enrolled as {
          attestation: {
            x509: { clientCertificates: { primary: { info?: { sha256Thumbprint?: string } } } };
          };
        }
      ).attestation.x509.clientCertificates.primary;
      expect(sent.info?.sha256Thumbprint?.toLowerCase()).toBe(
        new X509Certificate(device.certificatePem).fingerprint256.replaceAll(":", "").toLowerCase(),
      );
    });
  });
});

describe("dps disable-device converges", () => {
  test("--revoke run three times: disabled each time, revoked once", async ({ admin, ca, dps, work }) => {
    const id = "revoke-0001";
    const { serialNumber } = await admin.createDeviceIdentity(id);
    const operator = {
      EDGE_PKI_URL: ca.url,
      EDGE_PKI_TOKEN: ca.adminToken,
      DPS_CONNECTION_STRING: dps.connectionString,
    };
    const disable = async (deviceId: string) =>
      eflowBootstrap(
        [
          ...["dps", "disable-device", deviceId, "--revoke", "keyCompromise"],
          ...[
            "--dps-endpoint",
            dps.serviceUrl,
            "--dps-ca-file",
            await file(work, "dps.pem", dps.caCertificatePem),
          ],
        ],
        operator,
      );
    const runs = [await disable(id), await disable(id), await disable(id)];
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0]);
    expect(runs.map((run) => run.stdout.includes(serialNumber))).toEqual([true, false, false]);
    expect(runs[2]?.stdout).toContain(`${id}: disabled in DPS (updated)`);
    const { responseBody: enrollment } = await serviceClient(dps).getIndividualEnrollment(id);
    expect(enrollment).toMatchObject({ provisioningStatus: "disabled" });

    const unknown = await disable("never-issued-0001");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/give one with --certificate-file \[config_invalid\]/);
  });
});

describe("DPS's refusals name their code", () => {
  test("a wrong SAS key and an outage are [dps_refused], no answer at all [dps_unreachable], each in one short line", async ({
    dps,
    work,
  }) => {
    await withPki("refusals", async (pki) => {
      const args = [
        ...["dps", "enroll", "--group", "refusals", "--certificate-file", pki.root.certificatePath],
        ...[
          "--dps-endpoint",
          dps.serviceUrl,
          "--dps-ca-file",
          await file(work, "dps.pem", dps.caCertificatePem),
        ],
      ];
      const wrongKey = dps.connectionString.replace(
        /SharedAccessKey=[^;]+/,
        `SharedAccessKey=${Buffer.alloc(32, 7).toString("base64")}`,
      );
      const refused = await eflowBootstrap(args, { DPS_CONNECTION_STRING: wrongKey });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(
        /^eflow-bootstrap: DPS refused the enrollment group refusals \(401\): [^\n{]+\[dps_refused\]\n$/,
      );
      dps.setFaults({ outage: true });
      try {
        const down = await eflowBootstrap(args, { DPS_CONNECTION_STRING: dps.connectionString });
        expect(down.stderr).toMatch(
          /^eflow-bootstrap: DPS refused the enrollment group refusals \(503\): [^\n{]+\[dps_refused\]\n$/,
        );
      } finally {
        dps.setFaults({});
      }
      // A CA file that does not vouch for DPS's TLS certificate: no answer was had.
      const untrusted = [...args.slice(0, -1), pki.root.certificatePath];
      const notTrusted = await eflowBootstrap(untrusted, { DPS_CONNECTION_STRING: dps.connectionString });
      expect(notTrusted.code).toBe(1);
      expect(notTrusted.stderr).toMatch(
        /^eflow-bootstrap: DPS could not be reached for the enrollment group refusals: [^\n]+\[dps_unreachable\]\n$/,
      );
    });
  });
});

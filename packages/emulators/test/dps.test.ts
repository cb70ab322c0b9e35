import { execFile } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DpsEmulator, startDpsEmulator } from "../src/index.js";
import { armClient, register, serviceClient } from "./dps/clients.js";
import { createPki, type TestPki } from "./dps/pki.js";

const run = promisify(execFile);

let dps: DpsEmulator;
let pki: TestPki;
let foreign: TestPki;

beforeAll(async () => {
  dps = await startDpsEmulator({ retryAfterSeconds: 0, linkedHubs: ["hub-a.azure-devices.net"] });
  [pki, foreign] = await Promise.all([createPki("fleet"), createPki("foreign")]);
});

afterAll(async () => {
  await dps.stop();
  await Promise.all([pki.dispose(), foreign.dispose()]);
});

/** What the SDKs throw for a refusal: the HTTP status is on the error or its response. */
async function refusal(
  promise: Promise<unknown>,
): Promise<{ status?: number; message: string; body?: unknown }> {
  try {
    await promise;
  } catch (error) {
    const failure = error as {
      statusCode?: number;
      response?: { statusCode?: number };
      message: string;
      responseBody?: unknown;
    };
    return {
      status: failure.response?.statusCode ?? failure.statusCode,
      message: failure.message,
      body: failure.responseBody,
    };
  }
  throw new Error("expected a refusal");
}

const group = (id: string, certificatePem: string, extra: Record<string, unknown> = {}) => ({
  enrollmentGroupId: id,
  attestation: { type: "x509", x509: { signingCertificates: { primary: { certificate: certificatePem } } } },
  capabilities: { iotEdge: true },
  ...extra,
});

describe("the service API, through azure-iot-provisioning-service", () => {
  it("creates an enrollment group and reads it back with the certificate's info and an etag", async () => {
    const client = serviceClient(dps);
    const created = await client.createOrUpdateEnrollmentGroup(
      group("readback", pki.root.certificatePem, { initialTwin: { tags: { line: "7" } } }) as never,
    );
    expect(created.responseBody).toMatchObject({
      enrollmentGroupId: "readback",
      provisioningStatus: "enabled",
    });
    const { responseBody: result } = await client.getEnrollmentGroup("readback");
    const info = result.attestation?.x509?.signingCertificates?.primary?.info;
    const root = new X509Certificate(pki.root.certificatePem);
    expect(info).toMatchObject({
      subjectName: "CN=fleet root",
      sha256Thumbprint: root.fingerprint256.replaceAll(":", ""),
    });
    expect(result).toMatchObject({ capabilities: { iotEdge: true }, initialTwin: { tags: { line: "7" } } });
    expect(result.etag).toMatch(/^".+"$/);
    await client.deleteEnrollmentGroup("readback", result.etag as string);
  });

  it("answers 409 to a PUT over an existing record without If-Match, 412 to a stale etag", async () => {
    const client = serviceClient(dps);
    const first = (
      await client.createOrUpdateEnrollmentGroup(group("etags", pki.intermediate.certificatePem) as never)
    ).responseBody;
    const again = await refusal(
      client.createOrUpdateEnrollmentGroup(group("etags", pki.intermediate.certificatePem) as never),
    );
    expect(again.status).toBe(409);
    const updated = (
      await client.createOrUpdateEnrollmentGroup({
        ...group("etags", pki.intermediate.certificatePem, { provisioningStatus: "disabled" }),
        etag: first.etag,
      } as never)
    ).responseBody;
    expect(updated.etag).not.toBe(first.etag);
    expect(updated.provisioningStatus).toBe("disabled");
    const stale = await refusal(
      client.createOrUpdateEnrollmentGroup({
        ...group("etags", pki.intermediate.certificatePem),
        etag: first.etag,
      } as never),
    );
    expect(stale.status).toBe(412);
    expect((await refusal(client.deleteEnrollmentGroup("etags", first.etag as string))).status).toBe(412);
    await client.deleteEnrollmentGroup("etags", "*");
    expect((await refusal(client.getEnrollmentGroup("etags"))).status).toBe(404);
  });

  it("checks the SAS signature and the policy", async () => {
    const key = Buffer.alloc(32, 7).toString("base64");
    for (const connectionString of [
      dps.connectionString.replace(/SharedAccessKey=.*/, `SharedAccessKey=${key}`),
      dps.connectionString.replace(
        "SharedAccessKeyName=provisioningserviceowner",
        "SharedAccessKeyName=reader",
      ),
    ]) {
      const failure = await refusal(serviceClient(dps, connectionString).getEnrollmentGroup("none"));
      expect({ connectionString, status: failure.status }).toEqual({ connectionString, status: 401 });
    }
    const anonymous = await fetch(`${dps.serviceUrl}/enrollmentGroups/none?api-version=2021-10-01`).catch(
      (error: unknown) => error,
    );
    // Node's fetch does not trust the emulator's certificate: the refusal is TLS's, which is enough here.
    expect(anonymous).toBeInstanceOf(Error);
  });

  it("answers queries page by page", async () => {
    const client = serviceClient(dps);
    const devices = await Promise.all(["q-1", "q-2", "q-3"].map((name) => pki.device(name)));
    for (const [index, device] of devices.entries()) {
      await client.createOrUpdateIndividualEnrollment({
        registrationId: `q-${index + 1}`,
        attestation: {
          type: "x509",
          x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
        },
      } as never);
    }
    const query = client.createIndividualEnrollmentQuery({ query: "*" }, 2);
    const pages: string[][] = [];
    for (let round = 0; round < 5 && query.hasMoreResults; round++) {
      // Query.next() without an argument drops the continuation token it keeps (SDK 1.11.2): pass it.
      const page = await query.next(query.continuationToken as unknown as string);
      pages.push(
        (page.responseBody as unknown as { registrationId: string }[]).map(
          (enrollment) => enrollment.registrationId,
        ),
      );
    }
    expect(pages.flat()).toEqual(expect.arrayContaining(["q-1", "q-2", "q-3"]));
    expect(pages[0]).toHaveLength(2);
    for (const id of ["q-1", "q-2", "q-3"]) await client.deleteIndividualEnrollment(id);
  });
});

describe("device registration over mutual TLS, through azure-iot-provisioning-device", () => {
  it("assigns a device whose chain reaches a group's verified certificate, CN compared without regard to case", async () => {
    await serviceClient(dps).createOrUpdateEnrollmentGroup(
      group("fleet", pki.intermediate.certificatePem) as never,
    );
    const device = await pki.device("Line7-0001");
    // The group's certificate is neither verified nor below a verified one: it vouches for nobody yet.
    expect(
      (await refusal(register(dps, "line7-0001", { cert: device.chainPem, key: device.keyPem }))).status,
    ).toBe(401);
    // Uploaded as verified (`az iot dps certificate create --verified true`), the intermediate will do.
    await armClient(dps).dpsCertificate.createOrUpdate("rg", "dps", "fleet-intermediate", {
      properties: {
        certificate: new Uint8Array(new X509Certificate(pki.intermediate.certificatePem).raw),
        isVerified: true,
      },
    });
    const result = await register(dps, "line7-0001", { cert: device.chainPem, key: device.keyPem });
    expect(result).toMatchObject({
      status: "assigned",
      assignedHub: "hub-a.azure-devices.net",
      deviceId: "line7-0001",
    });
    const state = await serviceClient(dps).getDeviceRegistrationState("line7-0001");
    expect(state.responseBody).toMatchObject({ status: "assigned", x509: { enrollmentGroupId: "fleet" } });
  });

  it("refuses a registration ID DPS refuses (the last character neither alphanumeric nor '-'), through a group too", async () => {
    // The "fleet" group of the test before vouches for the intermediate's devices.
    const device = await pki.device("line7-0040.");
    const refused = await refusal(
      register(dps, "line7-0040.", { cert: device.chainPem, key: device.keyPem }),
    );
    expect(refused.status).toBe(400);
    await expect(serviceClient(dps).getDeviceRegistrationState("line7-0040.")).rejects.toMatchObject({
      response: { statusCode: 404 },
    });
    // The first character may be any of the alphabet.
    const leading = await pki.device(".line7-0041");
    expect(await register(dps, ".line7-0041", { cert: leading.chainPem, key: leading.keyPem })).toMatchObject(
      {
        status: "assigned",
      },
    );
  });

  it("refuses a certificate from another CA, and a CN that is not the registration ID", async () => {
    const stranger = await foreign.device("line7-0002");
    const refusedForeign = await refusal(
      register(dps, "line7-0002", { cert: stranger.chainPem, key: stranger.keyPem }),
    );
    expect(refusedForeign.status).toBe(401);
    const device = await pki.device("line7-0003");
    const mismatch = await refusal(
      register(dps, "line7-9999", { cert: device.chainPem, key: device.keyPem }),
    );
    expect(mismatch.status).toBe(401);
  });

  it("answers disabled for a device whose disabled individual enrollment holds its certificate", async () => {
    const device = await pki.device("line7-0004");
    await serviceClient(dps).createOrUpdateIndividualEnrollment({
      registrationId: "line7-0004",
      provisioningStatus: "disabled",
      attestation: {
        type: "x509",
        x509: { clientCertificates: { primary: { certificate: device.certificatePem } } },
      },
    } as never);
    const before = dps.stats.registrations.disabled;
    // The device SDK's state machine knows no 'disabled' status: it fails with it (a known gap).
    const refused = await refusal(register(dps, "line7-0004", { cert: device.chainPem, key: device.keyPem }));
    expect(refused.message).toContain("disabled");
    expect(dps.stats.registrations.disabled).toBe(before + 1);
    const state = await serviceClient(dps).getDeviceRegistrationState("line7-0004");
    expect(state.responseBody).toMatchObject({ status: "disabled" });
  });
});

describe("ARM certificates and proof of possession, through @azure/arm-deviceprovisioningservices", () => {
  it("verifies a CA with a certificate whose CN is the code, signed by its key; a group may then refer to it", async () => {
    const arm = armClient(dps).dpsCertificate;
    const der = new Uint8Array(new X509Certificate(pki.root.certificatePem).raw);
    const uploaded = await arm.createOrUpdate("rg", "dps", "fleet-root", {
      properties: { certificate: der },
    });
    expect(uploaded.properties?.isVerified).toBe(false);
    // Replacing an uploaded certificate needs its etag.
    await expect(
      arm.createOrUpdate("rg", "dps", "fleet-root", { properties: { certificate: der } }),
    ).rejects.toMatchObject({ statusCode: 412 });
    const code = await arm.generateVerificationCode("fleet-root", uploaded.etag as string, "rg", "dps");
    const verificationCode = code.properties?.verificationCode as string;
    expect(verificationCode).toMatch(/^[0-9A-F]{48}$/);

    const csr = async (cn: string) => {
      const { stdout } = await run("openssl", [
        ...[
          "req",
          "-new",
          "-newkey",
          "ec",
          "-pkeyopt",
          "ec_paramgen_curve:P-256",
          "-nodes",
          "-keyout",
          "/dev/null",
        ],
        ...["-subj", `/CN=${cn}`],
      ]);
      return stdout;
    };
    const wrongCn = await pki.signCsr(await csr("not-the-code"), "root");
    await expect(
      arm.verifyCertificate("fleet-root", code.etag as string, "rg", "dps", { certificate: wrongCn }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    const wrongKey = await foreign.signCsr(await csr(verificationCode), "root");
    await expect(
      arm.verifyCertificate("fleet-root", code.etag as string, "rg", "dps", { certificate: wrongKey }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });
    // Before proof of possession, a group that refers to the certificate vouches for nobody.
    await serviceClient(dps).createOrUpdateEnrollmentGroup({
      enrollmentGroupId: "by-reference",
      attestation: { type: "x509", x509: { caReferences: { primary: "fleet-root" } } },
    } as never);
    await serviceClient(dps).deleteEnrollmentGroup("fleet", "*");
    const early = await pki.device("line7-0006");
    expect(
      (await refusal(register(dps, "line7-0006", { cert: early.chainPem, key: early.keyPem }))).status,
    ).toBe(401);

    const proof = await pki.signCsr(await csr(verificationCode), "root");
    const verified = await arm.verifyCertificate("fleet-root", code.etag as string, "rg", "dps", {
      certificate: proof,
    });
    expect(verified.properties?.isVerified).toBe(true);

    const device = await pki.device("line7-0005");
    const result = await register(dps, "line7-0005", { cert: device.chainPem, key: device.keyPem });
    expect(result).toMatchObject({ status: "assigned", deviceId: "line7-0005" });
  });
});

describe("faults and the control route", () => {
  it("answers 503 during an outage and reports its counters", async () => {
    dps.setFaults({ outage: true });
    try {
      expect((await refusal(serviceClient(dps).getEnrollmentGroup("any"))).status).toBe(503);
    } finally {
      dps.setFaults({});
    }
    expect(dps.stats.requests).toBeGreaterThan(0);
    expect(dps.stats.registrations.assigned).toBeGreaterThanOrEqual(2);
  });
});

describe("SAS tokens, checked as DPS checks them", () => {
  it("refuses one signed for another host, an expired one, and one for another key", async () => {
    const { authenticateService, sasSignature } = await import("../src/dps/sas.js");
    const key = Buffer.alloc(32, 1).toString("base64");
    const options = {
      hostName: "mydps.azure-devices-provisioning.net",
      policies: [{ keyName: "owner", primaryKey: key }],
      acceptBearer: () => false,
      nowMs: 1_000_000,
    };
    const token = (sr: string, se: number, signingKey = key) =>
      `SharedAccessSignature sr=${encodeURIComponent(sr)}&sig=${encodeURIComponent(sasSignature(sr, String(se), signingKey))}&se=${se}&skn=owner`;
    expect(() =>
      authenticateService(token("mydps.azure-devices-provisioning.net", 2000), options),
    ).not.toThrow();
    expect(() => authenticateService(token("other.azure-devices-provisioning.net", 2000), options)).toThrow(
      /is for other/,
    );
    expect(() => authenticateService(token("mydps.azure-devices-provisioning.net", 999), options)).toThrow(
      /expired/,
    );
    const otherKey = Buffer.alloc(32, 2).toString("base64");
    expect(() =>
      authenticateService(token("mydps.azure-devices-provisioning.net", 2000, otherKey), options),
    ).toThrow(/does not verify/);
    expect(() => authenticateService("Bearer some-token", options)).toThrow(/not accepted/);
  });
});

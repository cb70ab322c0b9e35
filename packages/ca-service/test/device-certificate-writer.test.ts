/**
 * The hot issuance path (`DeviceCertificateWriter`) against the general one (`signDeviceCertificate`,
 * @peculiar/x509), on random device IDs, keys, validities and serial numbers: the to-be-signed DER
 * must be byte for byte the same, every field read back by node:crypto the same, and a sample of the
 * hot path's certificates must pass `openssl verify` against the CA chain. CAs of each key type sign
 * (P-256, P-384, RSA-2048: each its own signature algorithm), with and without a CRL URL.
 */
import { generateKeyPairSync, X509Certificate } from "node:crypto";
import { DEVICE_ID_PATTERN, type IssuedCertificate } from "@edge-pki/api-contract";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { factsOf } from "../src/core/certificate-facts.js";
import {
  type DeviceCertificateFields,
  type IssuingCa,
  signDeviceCertificate,
} from "../src/core/device-certificate.js";
import { DeviceCertificateWriter } from "../src/core/device-certificate-writer.js";
import { CaError } from "../src/core/errors.js";
import type { KeyAlgorithm } from "../src/core/key-algorithms.js";
import { randomSerialNumber } from "../src/core/serial-number.js";
import { parseStrictDer } from "../src/core/strict-der.js";
import { computeValidity, LATEST_NOT_AFTER } from "../src/core/validity.js";
import { caFiles } from "./support/ca-files.js";
import { it as base } from "./support/fixtures.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { openssl, opensslCsr, type TempDir } from "./support/openssl.js";
import { call, type TestService } from "./support/service.js";

const CRL_URL = "https://pki.example.test/v1/crl";

/** A few keys of each allowed kind, made once: RSA keys take too long to make per run. */
function keyPool(): { spki: Uint8Array; keyAlgorithm: KeyAlgorithm }[] {
  const spkiOf = (key: ReturnType<typeof generateKeyPairSync>["publicKey"]) =>
    new Uint8Array(key.export({ type: "spki", format: "der" }));
  return [
    ...Array.from({ length: 4 }, () => ({
      spki: spkiOf(generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey),
      keyAlgorithm: "ECDSA_P256" as const,
    })),
    ...Array.from({ length: 3 }, () => ({
      spki: spkiOf(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey),
      keyAlgorithm: "ECDSA_P384" as const,
    })),
    ...Array.from({ length: 2 }, () => ({
      spki: spkiOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey),
      keyAlgorithm: "RSA_2048" as const,
    })),
  ];
}

const it = base.extend("keys", { scope: "file" }, () => keyPool());

/**
 * DPS's alphabet in both cases, up to DPS's own 128 characters: longer than the service's 64 (or
 * dots only) must be refused by both paths alike.
 */
const deviceId = fc.stringMatching(/^[A-Za-z0-9\-._:]{1,128}$/);

const instant = (min: string, max: string) =>
  fc.date({ min: new Date(min), max: new Date(max), noInvalidDate: true });

/**
 * As the service computes it (for an issuer that lasts to the 2038 limit, so that the limit cuts
 * long requests), the limit itself, or any pair of times.
 */
function validity() {
  return fc.oneof(
    fc
      .record({
        now: instant("2024-01-01T00:00:00Z", "2037-12-30T00:00:00Z"),
        requestedDays: fc.integer({ min: 1, max: 20_000 }),
      })
      .map(({ now, requestedDays }) =>
        computeValidity({ now, requestedDays, policyMaxDays: 20_000, issuerNotAfter: LATEST_NOT_AFTER }),
      ),
    fc.constant({ notBefore: new Date("2037-01-01T00:00:00Z"), notAfter: LATEST_NOT_AFTER }),
    // UTCTime through 2049, GeneralizedTime after: both encodings, and milliseconds to be cut.
    fc.record({
      notBefore: instant("1950-01-01T00:00:00Z", "2049-12-31T23:59:59.999Z"),
      notAfter: instant("2037-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"),
    }),
  );
}

/** The service's own (126 random bits), or any positive INTEGER of 1 to 20 octets. */
const serialNumber = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((bytes) => randomSerialNumber(() => bytes)),
  fc
    .uint8Array({ minLength: 1, maxLength: 20 })
    .filter((bytes) => bytes.some((octet) => octet !== 0))
    .map((bytes) => Buffer.from(bytes).toString("hex")),
);

/** The TBSCertificate's DER inside a certificate, located by the strict reader. */
function toBeSignedOf(der: Uint8Array): Buffer {
  const certificate = parseStrictDer(der);
  const tbs = certificate.children?.[0];
  if (tbs === undefined) throw new Error("not a certificate");
  return Buffer.from(der.subarray(certificate.contentStart, tbs.contentEnd));
}

/** Every field as node:crypto (OpenSSL) reads it, for a comparison that names what differs. */
function fieldsOf(der: Uint8Array) {
  const certificate = new X509Certificate(der);
  return {
    serialNumber: certificate.serialNumber,
    subject: certificate.subject,
    issuer: certificate.issuer,
    validFrom: certificate.validFrom,
    validTo: certificate.validTo,
    publicKey: certificate.publicKey.export({ type: "spki", format: "der" }).toString("hex"),
    keyUsage: certificate.keyUsage,
    ca: certificate.ca,
    infoAccess: certificate.infoAccess,
    subjectAltName: certificate.subjectAltName,
  };
}

async function expectRefusedAlike(paths: Promise<unknown>[]): Promise<void> {
  for (const outcome of await Promise.allSettled(paths)) {
    expect(outcome.status).toBe("rejected");
    const reason = (outcome as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(CaError);
    expect((reason as CaError).code).toBe("invalid_device_id");
  }
}

/** Certificates for `openssl verify`: a few per key kind, enough to catch what the others miss. */
class OpensslSample {
  private readonly taken = new Map<KeyAlgorithm, Uint8Array[]>();

  add(keyAlgorithm: KeyAlgorithm, der: Uint8Array): void {
    const list = this.taken.get(keyAlgorithm) ?? [];
    if (list.length < 2) this.taken.set(keyAlgorithm, [...list, der]);
  }

  async expectVerified(service: TestService, dir: TempDir, name: string): Promise<void> {
    const ca = await caFiles(service, dir);
    const all = [...this.taken.values()].flat();
    expect(all.length).toBeGreaterThan(0);
    for (const [index, der] of all.entries()) {
      const leaf = await dir.file(`${name}-${index}.pem`, new X509Certificate(der).toString());
      // Random validities lie in the past or future: the chain and its signatures are what is checked.
      const verdict = await openssl([
        "verify",
        "-no_check_time",
        "-purpose",
        "sslclient",
        "-CAfile",
        ca.rootPath,
        "-untrusted",
        ca.intermediatePath,
        leaf,
      ]);
      expect(verdict).toContain(": OK");
    }
  }
}

async function expectPathsEqual(
  ca: IssuingCa,
  keys: ReturnType<typeof keyPool>,
  sample: OpensslSample,
): Promise<void> {
  const writers = {
    withCrl: DeviceCertificateWriter.prepare(ca, CRL_URL),
    withoutCrl: DeviceCertificateWriter.prepare(ca, undefined),
  };
  await fc.assert(
    fc.asyncProperty(
      deviceId,
      fc.constantFrom(...keys),
      validity(),
      serialNumber,
      fc.boolean(),
      async (id, key, times, serial, withCrl) => {
        const fields: DeviceCertificateFields = {
          deviceId: id,
          publicKeySpki: key.spki,
          keyAlgorithm: key.keyAlgorithm,
          validity: times,
          serialNumber: serial,
        };
        const writer = withCrl ? writers.withCrl : writers.withoutCrl;
        const crlDistributionPoint = withCrl ? CRL_URL : undefined;
        const reference = signDeviceCertificate({ ...fields, ca, crlDistributionPoint });
        const fast = writer.sign(fields);
        if (!DEVICE_ID_PATTERN.test(id)) {
          await expectRefusedAlike([reference, fast]);
          return;
        }
        const general = new Uint8Array((await reference).rawData);
        const written = await fast;
        expect(fieldsOf(written.der)).toEqual(fieldsOf(general));
        expect(toBeSignedOf(written.der).toString("hex")).toBe(toBeSignedOf(general).toString("hex"));
        expect(writer.toBeSigned(fields)?.der).toEqual(new Uint8Array(toBeSignedOf(general)));
        // What the store records: equal but for the signature, which ECDSA draws afresh.
        const { der: _ignored, ...facts } = written;
        const { der: _reference, ...referenceFacts } = factsOf(await reference);
        expect(facts).toEqual(referenceFacts);
        expect(
          new X509Certificate(written.der).verify(
            new X509Certificate(new Uint8Array(ca.certificate.rawData)).publicKey,
          ),
        ).toBe(true);
        sample.add(key.keyAlgorithm, written.der);
      },
    ),
    fuzzParameters(60),
  );
}

describe("the hot path writes what the general path builds", () => {
  it("under a P-256 CA (the default)", { timeout: timeoutFor(60, 250) }, async ({
    service,
    keys,
    dataDir,
  }) => {
    const sample = new OpensslSample();
    await expectPathsEqual(await service.context.issuingCa.current(), keys, sample);
    await sample.expectVerified(service, dataDir, "p256-ca");
  });

  it.for(["ECDSA_P384", "RSA_2048"] as const)(
    "under a %s CA",
    { timeout: timeoutFor(60, 250) + 60_000 },
    async (caKeyAlgorithm, { startService, keys, dataDir }) => {
      const service = await startService({ env: { EDGE_PKI_CA_KEY_ALGORITHM: caKeyAlgorithm } });
      const sample = new OpensslSample();
      await expectPathsEqual(await service.context.issuingCa.current(), keys, sample);
      await sample.expectVerified(service, dataDir, caKeyAlgorithm);
    },
  );
});

describe("the service issues on the hot path", () => {
  it.for(["P-256", "RSA-2048"] as const)(
    "a %s CSR through the API gets the general path's TBS for the same fields",
    async (kind, { service, dataDir }) => {
      const { csrPem } = await opensslCsr(dataDir, "/CN=Hot-Path_1", kind);
      const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        body: { csr: csrPem },
      });
      expect(issued.status).toBe(201);
      const der = new Uint8Array(new X509Certificate(issued.body.certificatePem).raw);
      const read = new X509Certificate(der);
      const reference = await signDeviceCertificate({
        ca: await service.context.issuingCa.current(),
        crlDistributionPoint: service.context.policy.crlDistributionPoint,
        deviceId: "Hot-Path_1",
        publicKeySpki: new Uint8Array(read.publicKey.export({ type: "spki", format: "der" })),
        keyAlgorithm: kind === "P-256" ? "ECDSA_P256" : "RSA_2048",
        validity: { notBefore: new Date(read.validFrom), notAfter: new Date(read.validTo) },
        serialNumber: read.serialNumber.toLowerCase(),
      });
      expect(toBeSignedOf(der).toString("hex")).toBe(
        toBeSignedOf(new Uint8Array(reference.rawData)).toString("hex"),
      );
    },
  );
});

describe("keys the hot path does not write verbatim", () => {
  it("go the general way: an RSA key without its NULL parameters", async ({ service, keys }) => {
    const rsa = keys.find((key) => key.keyAlgorithm === "RSA_2048");
    if (rsa === undefined) throw new Error("no RSA key in the pool");
    // rsaEncryption with its NULL dropped: the same key, spelt as some encoders do.
    const spki = parseStrictDer(rsa.spki);
    const bits = spki.children?.[1];
    if (bits === undefined) throw new Error("not an SPKI");
    const identifier = Buffer.from("300b06092a864886f70d010101", "hex");
    const bitString = rsa.spki.subarray(bits.contentStart - 4, bits.contentEnd);
    const body = Buffer.concat([identifier, bitString]);
    const header = Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]);
    const variant = new Uint8Array(Buffer.concat([header, body]));
    const fields: DeviceCertificateFields = {
      deviceId: "no-null",
      publicKeySpki: variant,
      keyAlgorithm: "RSA_2048",
      validity: { notBefore: new Date("2030-01-01T00:00:00Z"), notAfter: new Date("2031-01-01T00:00:00Z") },
      serialNumber: randomSerialNumber((bytes) => bytes.fill(7)),
    };
    const ca = await service.context.issuingCa.current();
    const writer = DeviceCertificateWriter.prepare(ca, undefined);
    expect(writer.toBeSigned(fields)).toBeUndefined();
    const written = await writer.sign(fields);
    const reference = await signDeviceCertificate({ ...fields, ca });
    expect(toBeSignedOf(written.der)).toEqual(toBeSignedOf(new Uint8Array(reference.rawData)));
  });
});

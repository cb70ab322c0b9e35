/**
 * The hot path's CSR reader (`readPlainCsr`) against the general one (@peculiar/x509, as
 * `readCsrWithLibrary`): whenever the plain reader reads a request, the library must read the same
 * key bytes, signature algorithm and common names from it (and not refuse it). Requests are built
 * from random parts (versions, subjects of every shape, accepted and refused keys, attributes,
 * signature algorithms) and from byte mutations of openssl's CSRs; the requests factory lines send
 * (a device ID as the only CN; openssl's) must take the plain path, or the optimisation would silently not apply.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { readCsrWithLibrary } from "../src/core/csr.js";
import { readPlainCsr } from "../src/core/plain-csr.js";
import { parseStrictDer } from "../src/core/strict-der.js";
import { compressedP256Spki } from "./support/compressed-key.js";
import { concat, sequence, tlv } from "./support/der.js";
import { it as base } from "./support/fixtures.js";
import { csrWithSubject, textCn } from "./support/forged-keys.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import { subjectArbitrary, subjectDer } from "./support/fuzz/csr-subjects.js";
import { makeSeedCsrs, seedCsrArbitrary } from "./support/fuzz/seed-csrs.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";

const it = base.extend("seeds", { scope: "file" }, ({ dataDir }) => makeSeedCsrs(dataDir));

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const spkiOf = (publicKey: KeyObject) => new Uint8Array(publicKey.export({ type: "spki", format: "der" }));

/** Keys the allow-list takes and refuses, in the encodings a CSR may carry them. */
const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
const KEYS: Record<string, Uint8Array> = {
  "P-256": spkiOf(p256),
  "P-256, compressed point": compressedP256Spki(p256),
  "P-384": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey),
  "RSA-2048": spkiOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey),
  "RSA-2048, no NULL parameters": (() => {
    const spki = spkiOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey);
    const bits = spki.subarray(4 + 15);
    return sequence(hex("300b06092a864886f70d010101"), bits);
  })(),
  Ed25519: spkiOf(generateKeyPairSync("ed25519").publicKey),
  "P-521": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey),
  "P-256, a BIT STRING with unused bits": (() => {
    const spki = spkiOf(p256);
    spki[spki.length - 66] = 1;
    return spki;
  })(),
};

const SIGNATURE_ALGORITHMS = [
  "300a06082a8648ce3d040302", // ecdsa-with-SHA256
  "300a06082a8648ce3d040303", // ecdsa-with-SHA384
  "300a06082a8648ce3d040304", // ecdsa-with-SHA512
  "300c06082a8648ce3d0403020500", // ecdsa-with-SHA256 with NULL parameters
  "300d06092a864886f70d01010b0500", // sha256WithRSAEncryption
  "300b06092a864886f70d01010b", // sha256WithRSAEncryption without NULL
  "300d06092a864886f70d01010d0500", // sha512WithRSAEncryption
  "300d06092a864886f70d0101050500", // sha1WithRSAEncryption
  "300506032a0304", // an unknown OID
];

const ATTRIBUTES = [
  "a000",
  // extensionRequest: subjectAltName dNSName device-1
  "a01f301d06092a864886f70d01090e3110300e300c0603551d110405300382016b",
  "a0023000",
];

const VERSIONS = ["020100", "020101", "02020000"];

/**
 * Mostly the first value (what devices send, which the plain reader takes), otherwise any: with
 * every part uniform, CSRs the plain reader takes were so rare that a run could see none.
 */
const mostlyFirst = (values: readonly string[]) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(values[0] as string) },
    { weight: 2, arbitrary: fc.constantFrom(...values) },
  );

const builtCsr = fc
  .record({
    version: mostlyFirst(VERSIONS),
    subject: subjectArbitrary,
    key: mostlyFirst(Object.keys(KEYS)),
    attributes: mostlyFirst(ATTRIBUTES),
    algorithm: mostlyFirst(SIGNATURE_ALGORITHMS),
    signature: fc.uint8Array({ minLength: 1, maxLength: 80 }),
  })
  .map((parts) => ({
    ...parts,
    der: sequence(
      sequence(
        hex(parts.version),
        subjectDer(parts.subject),
        KEYS[parts.key] as Uint8Array,
        hex(parts.attributes),
      ),
      hex(parts.algorithm),
      tlv(0x03, concat([Uint8Array.of(0), parts.signature])),
    ),
  }));

/** The plain reader's answer, and that the library reads the same (undefined: the plain reader passed). */
function expectSameAsLibrary(der: Uint8Array): boolean {
  let structure: ReturnType<typeof parseStrictDer>;
  try {
    structure = parseStrictDer(der);
  } catch {
    return false; // verifyCsr refuses it before either reader sees it
  }
  const plain = readPlainCsr(der, structure);
  if (plain === undefined) return false;
  const library = readCsrWithLibrary(der);
  expect({
    requestedSpki: Buffer.from(plain.requestedSpki).toString("hex"),
    signatureAlgorithm: plain.signatureAlgorithm,
    commonNames: plain.commonNames,
  }).toEqual({
    requestedSpki: Buffer.from(library.requestedSpki).toString("hex"),
    signatureAlgorithm: library.signatureAlgorithm,
    commonNames: library.commonNames(),
  });
  return true;
}

describe("the plain CSR reader reads what the x509 library reads", () => {
  it("on requests built from random parts", { timeout: timeoutFor(600, 25) }, async () => {
    let plain = 0;
    fc.assert(
      fc.property(builtCsr, (csr) => {
        if (expectSameAsLibrary(csr.der)) plain++;
      }),
      fuzzParameters(600),
    );
    // Both paths are exercised: the plain one often, the library one for everything else.
    expect(plain).toBeGreaterThan(0);
  });

  it("on byte mutations of openssl's CSRs", { timeout: timeoutFor(600, 25) }, async ({ seeds }) => {
    fc.assert(
      fc.property(seedCsrArbitrary(seeds), byteMutations, (seed, mutations) => {
        expectSameAsLibrary(applyByteMutations(seed.der, mutations));
      }),
      fuzzParameters(600),
    );
  });

  it("takes the requests factory lines send: a device ID as the only CN, every accepted key", async ({
    seeds,
  }) => {
    const { csrPem } = csrWithSubject(textCn("line-7-device-0042"));
    const der = new Uint8Array(Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64"));
    expect(expectSameAsLibrary(der), "a CSR with CN=<device ID> in a UTF8String").toBe(true);
    for (const name of ["P-256", "P-384", "RSA-2048"]) {
      const seed = seeds.find((candidate) => candidate.name === name);
      expect(expectSameAsLibrary(seed?.der ?? new Uint8Array()), `openssl's ${name} CSR`).toBe(true);
    }
  });
});

/**
 * The EC key shape (named curve? compressed point?) read from the strict DER tree against the
 * ASN.1 library's reading (`ecKeyShapeWithLibrary`), which the allow-list and the canonical form
 * used alone before: on real keys of every kind and byte mutations of them, whenever the plain
 * reading answers, the library answers the same; and the keys devices send take the plain reading.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { ecKeyShapeWithLibrary, plainEcKeyShape } from "../src/core/ec-key-shape.js";
import { compressedP256Spki } from "./support/compressed-key.js";
import { it as base } from "./support/fixtures.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { openssl } from "./support/openssl.js";

const spkiOf = (publicKey: { export(options: { type: "spki"; format: "der" }): Buffer }) =>
  new Uint8Array(publicKey.export({ type: "spki", format: "der" }));

const it = base.extend("keys", { scope: "file" }, async ({ dataDir }) => {
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
  const explicitKey = `${dataDir.path}/explicit.key`;
  const explicitSpki = `${dataDir.path}/explicit.spki.der`;
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", explicitKey]);
  await openssl([
    "ec",
    "-in",
    explicitKey,
    "-pubout",
    "-outform",
    "DER",
    "-out",
    explicitSpki,
    "-param_enc",
    "explicit",
  ]);
  return {
    "P-256": spkiOf(p256),
    "P-256, compressed point": compressedP256Spki(p256),
    "P-384": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey),
    "P-521": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey),
    "P-256, explicit parameters": new Uint8Array(await readFile(explicitSpki)),
    "RSA-2048": spkiOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey),
  } as Record<string, Uint8Array>;
});

/** Whether the plain reading answered; when it did, the library's reading must be the same. */
function expectSameAsLibrary(spki: Uint8Array): boolean {
  const plain = plainEcKeyShape(spki);
  if (plain === undefined) return false;
  expect(plain).toEqual(ecKeyShapeWithLibrary(spki));
  return true;
}

describe("the plain EC key shape reads what the ASN.1 library reads", () => {
  it("on the keys devices send, which take the plain reading", ({ keys }) => {
    for (const name of ["P-256", "P-256, compressed point", "P-384"]) {
      expect(expectSameAsLibrary(keys[name] as Uint8Array), name).toBe(true);
    }
    expect(plainEcKeyShape(keys["P-256, compressed point"] as Uint8Array)?.compressedPoint).toBe(true);
    for (const name of ["P-521", "P-256, explicit parameters", "RSA-2048"]) {
      expect(plainEcKeyShape(keys[name] as Uint8Array), `${name} goes the library's way`).toBeUndefined();
    }
  });

  it("on byte mutations of keys of every kind", { timeout: timeoutFor(1000, 25) }, ({ keys }) => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(keys)), byteMutations, (spki, mutations) => {
        expectSameAsLibrary(applyByteMutations(spki, mutations));
      }),
      fuzzParameters(1000),
    );
  });
});

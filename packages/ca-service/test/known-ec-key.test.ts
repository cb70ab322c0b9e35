/**
 * The JWK import of P-256 and P-384 keys (`importKnownEcKey`) against node's SPKI import
 * (`importAnyPublicKey`), which every key went through before: on real keys and byte mutations of
 * them, whenever the JWK import answers, the SPKI import answers the same: the same key and
 * algorithm, or the same refusal.
 */
import { generateKeyPairSync } from "node:crypto";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { CaError } from "../src/core/errors.js";
import { importAnyPublicKey } from "../src/core/key-algorithms.js";
import { importKnownEcKey } from "../src/core/known-ec-key.js";
import { compressedP256Spki } from "./support/compressed-key.js";
import { it as base } from "./support/fixtures.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";

const spkiOf = (publicKey: { export(options: { type: "spki"; format: "der" }): Buffer }) =>
  new Uint8Array(publicKey.export({ type: "spki", format: "der" }));

const it = base.extend("keys", { scope: "file" }, () => {
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
  return {
    "P-256": spkiOf(p256),
    "P-384": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey),
    "P-256, compressed point": compressedP256Spki(p256),
    "P-521": spkiOf(generateKeyPairSync("ec", { namedCurve: "P-521" }).publicKey),
    "RSA-2048": spkiOf(generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey),
  } as Record<string, Uint8Array>;
});

type Import = { key: { export(options: { type: "spki"; format: "der" }): Buffer }; algorithm: string };

/** The import's outcome, comparable: the key's SPKI and algorithm, or the refusal's code and message. */
function outcomeOf(run: () => Import | undefined): unknown {
  try {
    const imported = run();
    return imported && { spki: spkiOf(imported.key), algorithm: imported.algorithm };
  } catch (error) {
    if (!(error instanceof CaError)) throw error;
    return { code: error.code, message: error.message };
  }
}

/** Whether the JWK import answered; when it did, the SPKI import must answer the same. */
function expectSameAsSpkiImport(spki: Uint8Array): boolean {
  const known = outcomeOf(() => importKnownEcKey(spki));
  if (known === undefined) return false;
  expect(known).toEqual(outcomeOf(() => importAnyPublicKey(spki)));
  return true;
}

describe("the JWK import of EC keys is node's SPKI import, faster", () => {
  it("imports P-256 and P-384 keys as the same keys, and leaves every other key to the general import", ({
    keys,
  }) => {
    for (const name of ["P-256", "P-384"]) {
      expect(expectSameAsSpkiImport(keys[name] as Uint8Array), name).toBe(true);
      expect(spkiOf(importKnownEcKey(keys[name] as Uint8Array)?.key as Import["key"])).toEqual(keys[name]);
    }
    for (const name of ["P-256, compressed point", "P-521", "RSA-2048"]) {
      expect(importKnownEcKey(keys[name] as Uint8Array), name).toBeUndefined();
    }
  });

  it("refuses a point off the curve, and the point at infinity's zeros, as the SPKI import does", ({
    keys,
  }) => {
    const offCurve = new Uint8Array(keys["P-256"] as Uint8Array);
    offCurve[offCurve.length - 1] = (offCurve.at(-1) ?? 0) ^ 1;
    const zeros = new Uint8Array(keys["P-256"] as Uint8Array).fill(0, -64);
    for (const spki of [offCurve, zeros]) {
      expect(expectSameAsSpkiImport(spki)).toBe(true);
      expect(outcomeOf(() => importKnownEcKey(spki))).toEqual({
        code: "unsupported_key",
        message: "the public key cannot be parsed",
      });
    }
  });

  it("on byte mutations of keys of every kind", { timeout: timeoutFor(1000, 25) }, ({ keys }) => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.values(keys)), byteMutations, (spki, mutations) => {
        expectSameAsSpkiImport(applyByteMutations(spki, mutations));
      }),
      fuzzParameters(1000),
    );
  });
});

/**
 * Fuzzing `classifyPublicKey` (the key allow-list) and `canonicalPublicKey` directly: random bytes,
 * random well-formed DER, and mutations of real SubjectPublicKeyInfos of every kind (allowed,
 * refused, compressed points, explicit curve parameters). A key is accepted only when Node's own
 * reading of it agrees that it is on the allow-list; anything else is refused with
 * `unsupported_key`, never another exception.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-public-keys.test.ts -t '<name>'
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { canonicalPublicKey, classifyPublicKey, type KeyAlgorithm } from "../src/core/key-algorithms.js";
import { it as base } from "./support/fixtures.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import { derTree, encodeDerTree } from "./support/fuzz/der-trees.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { expectRefusedWith, parseOrRefuse } from "./support/fuzz/refusal.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { openssl, type TempDir } from "./support/openssl.js";

interface SeedKey {
  name: string;
  spki: Uint8Array;
}

const spkiOf = (options: Parameters<typeof generateKeyPairSync>[1] & object, type: string) =>
  new Uint8Array(
    // biome-ignore lint/suspicious/noExplicitAny: one call for every key type; the overloads differ only in it.
    (generateKeyPairSync as any)(type, options).publicKey.export({ type: "spki", format: "der" }),
  );

/** EC public keys in the encodings only openssl makes on request. */
async function opensslEcSpki(dir: TempDir, name: string, extra: string[]): Promise<Uint8Array> {
  const key = `${dir.path}/${name}.key`;
  const spki = `${dir.path}/${name}.spki.der`;
  await openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key]);
  await openssl(["ec", "-in", key, "-pubout", "-outform", "DER", "-out", spki, ...extra]);
  return new Uint8Array(await readFile(spki));
}

const it = base.extend("seedKeys", { scope: "file" }, async ({ dataDir }): Promise<SeedKey[]> => {
  const seeds: SeedKey[] = [
    { name: "P-256", spki: spkiOf({ namedCurve: "P-256" }, "ec") },
    { name: "P-384", spki: spkiOf({ namedCurve: "P-384" }, "ec") },
    { name: "P-521 (refused)", spki: spkiOf({ namedCurve: "P-521" }, "ec") },
    { name: "secp256k1 (refused)", spki: spkiOf({ namedCurve: "secp256k1" }, "ec") },
    { name: "RSA-2048", spki: spkiOf({ modulusLength: 2048 }, "rsa") },
    { name: "RSA-2048 e=3 (refused)", spki: spkiOf({ modulusLength: 2048, publicExponent: 3 }, "rsa") },
    { name: "RSA-1024 (refused)", spki: spkiOf({ modulusLength: 1024 }, "rsa") },
    { name: "Ed25519 (refused)", spki: spkiOf({}, "ed25519") },
    { name: "X25519 (refused)", spki: spkiOf({}, "x25519") },
    {
      name: "P-256, compressed point",
      spki: await opensslEcSpki(dataDir, "compressed", ["-conv_form", "compressed"]),
    },
    {
      name: "P-256, explicit parameters (refused)",
      spki: await opensslEcSpki(dataDir, "explicit", ["-param_enc", "explicit"]),
    },
  ];
  // A counterexample names the seed instead of printing its bytes.
  return seeds.map((seed) => Object.assign(seed, { [fc.toStringMethod]: () => `key(${seed.name})` }));
});

const CURVES: Record<string, KeyAlgorithm> = { prime256v1: "ECDSA_P256", secp384r1: "ECDSA_P384" };

/** Node's own reading of the key, independently of the classifier: what the key must be. */
function expectedAlgorithm(spki: Uint8Array): KeyAlgorithm | undefined {
  const key = createPublicKey({ key: Buffer.from(spki), format: "der", type: "spki" });
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === "ec") return CURVES[details.namedCurve ?? ""];
  if (key.asymmetricKeyType !== "rsa" || details.publicExponent !== 65537n) return undefined;
  return ({ 2048: "RSA_2048", 3072: "RSA_3072", 4096: "RSA_4096" } as const)[details.modulusLength ?? 0];
}

async function expectClassifiedOrRefused(spki: Uint8Array, outcomes?: Outcomes): Promise<void> {
  const classified = await parseOrRefuse(() => classifyPublicKey(spki));
  outcomes?.note(classified.ok ? "accepted" : "refused");
  if (!classified.ok) return expectRefusedWith(classified.error, ["unsupported_key"]);
  expect(classified.value).toBe(expectedAlgorithm(spki));
  // What verifyCsr does next with an accepted key: it must not throw, and keep the key's kind.
  const canonical = await parseOrRefuse(() => canonicalPublicKey(spki));
  if (!canonical.ok)
    throw new Error(`canonicalPublicKey refused an accepted key: ${canonical.error.message}`);
  expect(classifyPublicKey(canonical.value)).toBe(classified.value);
}

describe("classifyPublicKey", () => {
  it("random bytes and random well-formed DER are refused", { timeout: timeoutFor(400, 25) }, async () => {
    const input = fc.oneof(fc.uint8Array({ maxLength: 400 }), derTree.map(encodeDerTree));
    await fc.assert(
      fc.asyncProperty(input, (spki) => expectClassifiedOrRefused(spki)),
      fuzzParameters(400),
    );
  });

  it("every seed classifies as Node reads it", async ({ seedKeys }) => {
    for (const seed of seedKeys) await expectClassifiedOrRefused(seed.spki);
  });

  it("mutated keys: accepted only as what Node reads, otherwise unsupported_key", {
    timeout: timeoutFor(600, 25),
  }, async ({ seedKeys }) => {
    const outcomes = new Outcomes();
    const runs = 600;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...seedKeys), byteMutations, (seed, mutations) =>
        expectClassifiedOrRefused(applyByteMutations(seed.spki, mutations), outcomes),
      ),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["accepted", "refused"], runs);
  });
});

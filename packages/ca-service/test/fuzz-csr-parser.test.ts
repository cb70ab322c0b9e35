/**
 * Fuzzing the CSR parser (`verifyCsr`) directly: random bytes and text, random well-formed DER,
 * mutations of real CSRs (bit flips, insertions, deletions, truncations, tampered length fields,
 * re-wrapped PEM), and properly signed CSRs with subjects of every shape. Whatever it is given, it
 * either accepts a usable request (allowed key, text CNs, the very DER it was sent) or refuses with
 * a 400 CaError: never another exception, which the HTTP layer would turn into a 500.
 *
 * What it found is fixed in src/core/csr.ts and kept, deterministically, in fuzz-findings.test.ts:
 * (1) keys the x509 library cannot read lazily (a plain Error from `csr.publicKey`: a 500),
 * (2) CN values of a type the subject cannot be re-serialised with (a plain Error: a 500), and
 * (3) DER whose inner lengths overrun their container (accepted, the subject misread).
 *
 * Runs: FUZZ_RUNS=<n> (every property n times) or FUZZ_SCALE=<x> (x times each default). A failure
 * prints fast-check's seed and path; replay it alone with
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-csr-parser.test.ts -t '<name>'
 * (the seed CSRs are made afresh for each run, with new keys: a replay applies the same mutations
 * to a CSR of the same shape, which reproduces what depends on the structure, not on key bytes).
 */
import fc from "fast-check";
import { describe, expect } from "vitest";
import { verifyCsr } from "../src/core/csr.js";
import { it as base } from "./support/fixtures.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import {
  commonNamesOf,
  signedCsrWithSubject,
  subjectArbitrary,
  TEXT_TAGS,
} from "./support/fuzz/csr-subjects.js";
import { derTree, encodeDerTree } from "./support/fuzz/der-trees.js";
import { isFaithfulCsrWrapping, pemWrapping, wrapPem } from "./support/fuzz/pem-wrapping.js";
import { expectRefusedWith, expectRefusedWithStatus, parseOrRefuse } from "./support/fuzz/refusal.js";
import { makeSeedCsrs, seedCsrArbitrary } from "./support/fuzz/seed-csrs.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { applyTextMutations, textMutations } from "./support/fuzz/text-mutations.js";
import { AcceptedCsrs, expectUsableCsr } from "./support/fuzz/verified-csr-checks.js";

const it = base.extend("seeds", { scope: "file" }, ({ dataDir }) => makeSeedCsrs(dataDir));

/** The property every input shares: a usable CSR, or a 400 refusal; never anything else. */
async function expectUsableOrRefused(input: string | Uint8Array, accepted?: AcceptedCsrs): Promise<boolean> {
  const parsed = await parseOrRefuse(() => verifyCsr(input));
  if (!parsed.ok) {
    expectRefusedWithStatus(parsed.error, 400);
    return false;
  }
  await expectUsableCsr(parsed.value, input);
  accepted?.add(parsed.value.der);
  return true;
}

/** A PEM block of the right kind around anything: gets random bytes past the PEM framing. */
const framedCsr = (base64: string) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${base64}\n-----END CERTIFICATE REQUEST-----\n`;

describe("verifyCsr on input that was never a CSR", () => {
  it("random bytes", { timeout: timeoutFor(400, 25) }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 600 }), async (bytes) => {
        await expectUsableOrRefused(bytes);
      }),
      fuzzParameters(400),
    );
  });

  it("random well-formed DER (right lengths, no meaning)", { timeout: timeoutFor(400, 25) }, async () => {
    await fc.assert(
      fc.asyncProperty(derTree, async (tree) => {
        await expectUsableOrRefused(encodeDerTree(tree));
      }),
      fuzzParameters(400),
    );
  });

  it("random text, and random bytes framed as a CSR's PEM block", {
    timeout: timeoutFor(400, 25),
  }, async () => {
    const text = fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.string({ unit: "grapheme-ascii", maxLength: 300 }),
      fc.base64String({ maxLength: 400 }).map(framedCsr),
      derTree.map((tree) => framedCsr(Buffer.from(encodeDerTree(tree)).toString("base64"))),
    );
    await fc.assert(
      fc.asyncProperty(text, async (input) => {
        await expectUsableOrRefused(input);
      }),
      fuzzParameters(400),
    );
  });
});

describe("verifyCsr on mutations of real CSRs", () => {
  it("mutated DER, sent as DER", { timeout: timeoutFor(600, 25) }, async ({ seeds, dataDir }) => {
    const accepted = new AcceptedCsrs(seeds);
    await fc.assert(
      fc.asyncProperty(seedCsrArbitrary(seeds), byteMutations, async (seed, mutations) => {
        await expectUsableOrRefused(applyByteMutations(seed.der, mutations), accepted);
      }),
      fuzzParameters(600),
    );
    await accepted.expectOpensslVerifies(dataDir);
  });

  it("mutated DER, re-wrapped as PEM in every way tools wrap it", { timeout: timeoutFor(400, 25) }, async ({
    seeds,
    dataDir,
  }) => {
    const accepted = new AcceptedCsrs(seeds);
    await fc.assert(
      fc.asyncProperty(
        seedCsrArbitrary(seeds),
        byteMutations,
        pemWrapping,
        async (seed, mutations, wrapping) => {
          await expectUsableOrRefused(wrapPem(applyByteMutations(seed.der, mutations), wrapping), accepted);
        },
      ),
      fuzzParameters(400),
    );
    await accepted.expectOpensslVerifies(dataDir);
  });

  it("mutated PEM text (characters flipped, inserted, deleted, duplicated)", {
    timeout: timeoutFor(600, 25),
  }, async ({ seeds, dataDir }) => {
    const accepted = new AcceptedCsrs(seeds);
    await fc.assert(
      fc.asyncProperty(seedCsrArbitrary(seeds), textMutations, async (seed, mutations) => {
        await expectUsableOrRefused(applyTextMutations(seed.pem, mutations), accepted);
      }),
      fuzzParameters(600),
    );
    await accepted.expectOpensslVerifies(dataDir);
  });

  it("a faithful re-wrapping (whitespace, line width, padding, text around) changes nothing", {
    timeout: timeoutFor(150, 25),
  }, async ({ seeds }) => {
    const faithful = pemWrapping.filter(isFaithfulCsrWrapping);
    await fc.assert(
      fc.asyncProperty(seedCsrArbitrary(seeds), faithful, async (seed, wrapping) => {
        const original = await parseOrRefuse(() => verifyCsr(seed.der));
        const rewrapped = await parseOrRefuse(() => verifyCsr(wrapPem(seed.der, wrapping)));
        if (original.ok && rewrapped.ok)
          expect(Buffer.from(rewrapped.value.der)).toEqual(Buffer.from(seed.der));
        else
          expect(rewrapped.ok ? "accepted" : rewrapped.error.code).toBe(
            original.ok ? "accepted" : original.error.code,
          );
      }),
      fuzzParameters(150),
    );
  });
});

describe("verifyCsr on properly signed CSRs with subjects of every shape", () => {
  it("refuses a CN that is not text, accepts every well-formed subject, and the device-ID rules hold", {
    timeout: timeoutFor(300, 25),
  }, async () => {
    await fc.assert(
      fc.asyncProperty(subjectArbitrary, async (subject) => {
        const pem = signedCsrWithSubject(subject);
        const parsed = await parseOrRefuse(() => verifyCsr(pem));
        const commonNames = commonNamesOf(subject);
        if (!parsed.ok) {
          // A well-signed P-256 request can only be refused for its subject.
          expectRefusedWith(parsed.error, ["invalid_csr"]);
          const wellFormed = subject.flat().every((value) => value.wellFormed);
          expect(wellFormed, `refused a well-formed subject: ${parsed.error.message}`).toBe(false);
          return;
        }
        expect(
          commonNames.every((value) => TEXT_TAGS.has(value.tag)),
          "accepted a CN that is not a text string",
        ).toBe(true);
        expect(parsed.value.commonNames).toHaveLength(commonNames.length);
        await expectUsableCsr(parsed.value, pem);
      }),
      fuzzParameters(300),
    );
  });
});

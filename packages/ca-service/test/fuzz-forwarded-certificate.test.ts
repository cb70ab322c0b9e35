/**
 * Fuzzing `forwardedCertificateDer`, which reads the client certificate a TLS-terminating proxy
 * forwards in a header: random header values, every encoding proxies use for a real certificate,
 * and mutations of those. It returns bytes (which the certificate check then judges) or refuses
 * with `forbidden`; never another exception. A faithful encoding gives back exactly the DER.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-forwarded-certificate.test.ts -t '<name>'
 */
import { readFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { forwardedCertificateDer } from "../src/http/authentication/forwarded-client-certificate.js";
import { it as base } from "./support/fixtures.js";
import { expectRefusedWith, parseOrRefuse } from "./support/fuzz/refusal.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { applyTextMutations, textMutations } from "./support/fuzz/text-mutations.js";
import { opensslServerCertificate } from "./support/openssl.js";

const it = base.extend("certificatePem", { scope: "file" }, async ({ dataDir }) => {
  const { certPath } = await opensslServerCertificate(dataDir, "forwarded");
  return readFile(certPath, "utf8");
});

/** How proxies forward a certificate (see forwarded-client-certificate.ts), by name. */
function encodingsOf(pem: string): Record<string, string> {
  const base64 = pem.replace(/-----[^-]+-----|\s+/g, "");
  return {
    "URL-encoded PEM (nginx, AWS ALB)": encodeURIComponent(pem),
    "PEM, lines folded into spaces": pem.trim().replace(/\n/g, " "),
    "PEM, lines folded into tabs": pem.trim().replace(/\n/g, "\t"),
    "base64 DER (Application Gateway, ARR)": base64,
    "Envoy XFCC": `By=spiffe://proxy;Hash=abc123;Cert="${encodeURIComponent(pem)}";Subject="CN=x"`,
  };
}

async function expectBytesOrForbidden(value: string): Promise<Uint8Array | undefined> {
  const read = await parseOrRefuse(() => forwardedCertificateDer(value));
  if (read.ok) return read.value;
  expectRefusedWith(read.error, ["forbidden"]);
  return undefined;
}

describe("forwardedCertificateDer", () => {
  it("random header values: bytes or forbidden", { timeout: timeoutFor(500, 25) }, async () => {
    const headerValue = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.string({ maxLength: 200 }),
      fc.base64String({ maxLength: 200 }),
      // Percent signs followed by anything: decodeURIComponent's malformed sequences.
      fc
        .array(fc.oneof(fc.constant("%"), fc.string({ maxLength: 3 })), { maxLength: 30 })
        .map((parts) => parts.join("")),
      fc.string({ maxLength: 80 }).map((cert) => `By=x;Cert="${cert}";Hash=y`),
    );
    await fc.assert(
      fc.asyncProperty(headerValue, async (value) => {
        await expectBytesOrForbidden(value);
      }),
      fuzzParameters(500),
    );
  });

  it("every encoding proxies use gives back exactly the certificate's DER", async ({ certificatePem }) => {
    const der = Buffer.from(certificatePem.replace(/-----[^-]+-----|\s+/g, ""), "base64");
    for (const [name, value] of Object.entries(encodingsOf(certificatePem))) {
      const read = await expectBytesOrForbidden(value);
      expect(read && Buffer.from(read), name).toEqual(der);
    }
  });

  it("mutated encodings of a real certificate: bytes or forbidden", { timeout: timeoutFor(500, 25) }, async ({
    certificatePem,
  }) => {
    const encodings = Object.values(encodingsOf(certificatePem));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...encodings), textMutations, async (encoding, mutations) => {
        await expectBytesOrForbidden(applyTextMutations(encoding, mutations));
      }),
      fuzzParameters(500),
    );
  });
});

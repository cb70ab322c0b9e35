/**
 * The PEM the API renders (`src/http/render/pem.ts`) against @peculiar/x509's encoder, which wrote
 * it before: the same text, byte for byte, for DER of every length (line breaks fall at every
 * position of the last line), and openssl reads it back to the same DER.
 */
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { x509 } from "../src/core/x509.js";
import { certificatePem, certificatesPem, crlPem } from "../src/http/render/pem.js";
import { it } from "./support/fixtures.js";
import { fuzzParameters } from "./support/fuzz/settings.js";
import { openssl } from "./support/openssl.js";

describe("PEM rendering", () => {
  it("writes what @peculiar/x509's encoder writes, for DER of any length", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 3000 }), (der) => {
        expect(certificatePem(der)).toBe(x509.PemConverter.encode(der, "CERTIFICATE"));
        expect(crlPem(der)).toBe(`${x509.PemConverter.encode(der, "X509 CRL")}\n`);
      }),
      fuzzParameters(500),
    );
    // A view into a larger buffer, as node hands out: only the view is encoded.
    const pool = new Uint8Array(randomBytes(400));
    const view = pool.subarray(17, 300);
    expect(certificatePem(view)).toBe(x509.PemConverter.encode(view.slice(), "CERTIFICATE"));
  });

  it("renders a chain as openssl renders it", async ({ service, dataDir }) => {
    const ca = await service.context.issuingCa.current();
    const ders = [ca.certificate, ca.root].map((certificate) => new Uint8Array(certificate.rawData));
    const chainPem = certificatesPem(ders);
    const file = `${dataDir.path}/chain-${Date.now()}.pem`;
    await writeFile(file, chainPem);
    // openssl reads both certificates and writes them out again with its own PEM encoder.
    const pkcs7 = await openssl(["crl2pkcs7", "-nocrl", "-certfile", file]);
    const printed = await openssl(["pkcs7", "-print_certs"], { input: pkcs7 });
    const blocks = printed.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
    expect(blocks).toEqual(ders.map(certificatePem));
  });
});

// @peculiar/x509 (the reference the lean writer is compared with) needs it loaded first.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect } from "vitest";
import { buildCsr, DEVICE_KEY_ALGORITHMS, generateDeviceKey } from "../src/index.js";
import { test } from "./support/fixtures.js";
import { openssl } from "./support/openssl.js";

x509.cryptoProvider.set(webcrypto as never);

/** What @peculiar/x509's generator signs with for each of our algorithms. */
const PECULIAR = {
  ECDSA_P256: { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
  ECDSA_P384: { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" },
  RSA_2048: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
} as const;

/** The first element inside the outer SEQUENCE: the signed certificationRequestInfo, as DER. */
function requestInfo(der: Uint8Array): Buffer {
  const bytes = Buffer.from(der);
  const headerLength = (offset: number) => {
    const first = bytes[offset + 1] as number;
    return first < 0x80 ? 2 : 2 + (first & 0x7f);
  };
  const contentLength = (offset: number) => {
    const first = bytes[offset + 1] as number;
    if (first < 0x80) return first;
    return bytes
      .subarray(offset + 2, offset + 2 + (first & 0x7f))
      .reduce((length, octet) => length * 256 + octet, 0);
  };
  const start = headerLength(0);
  return bytes.subarray(start, start + headerLength(start) + contentLength(start));
}

describe("the lean PKCS#10 writer", () => {
  test.for(DEVICE_KEY_ALGORITHMS)(
    "%s: the same request body as @peculiar/x509's generator, a signature that verifies, and openssl agrees",
    async (algorithm, { dir }) => {
      const key = await generateDeviceKey(algorithm);
      const ours = await buildCsr("line7:0001", key);
      const keys = {
        privateKey: await webcrypto.subtle.importKey(
          "pkcs8",
          key.privateKey.export({ type: "pkcs8", format: "der" }),
          PECULIAR[algorithm],
          false,
          ["sign"],
        ),
        publicKey: await webcrypto.subtle.importKey(
          "spki",
          key.publicKey.export({ type: "spki", format: "der" }),
          PECULIAR[algorithm],
          true,
          ["verify"],
        ),
      };
      const theirs = await x509.Pkcs10CertificateRequestGenerator.create({
        // Our CN is a UTF8String, as in the certificates the CA issues; the library would pick PrintableString.
        name: new x509.Name([{ CN: [{ utf8String: "line7:0001" }] }]),
        keys,
        signingAlgorithm: PECULIAR[algorithm],
      });
      const parsed = new x509.Pkcs10CertificateRequest(ours.der);
      // The signed part (certificationRequestInfo) is byte for byte the library's.
      expect(requestInfo(ours.der).equals(requestInfo(new Uint8Array(theirs.rawData)))).toBe(true);
      expect(parsed.signatureAlgorithm).toMatchObject(
        algorithm === "RSA_2048" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA" },
      );
      expect(await parsed.verify()).toBe(true);
      expect(Buffer.from(parsed.rawData).equals(ours.der)).toBe(true);

      const path = join(dir, "device.csr.pem");
      await writeFile(path, ours.pem);
      const verified = await openssl([
        "req",
        "-in",
        path,
        "-verify",
        "-noout",
        "-subject",
        "-nameopt",
        "utf8",
      ]);
      expect(verified.code).toBe(0);
      expect(verified.output).toContain("Certificate request self-signature verify OK");
      expect(verified.output).toContain("subject=CN=line7:0001");
    },
  );

  test("long device IDs and RSA keys need multi-byte DER lengths: still well-formed", async ({ dir }) => {
    const id = "a".repeat(64);
    const csr = await buildCsr(id, await generateDeviceKey("RSA_2048"));
    const path = join(dir, "rsa.csr.pem");
    await writeFile(path, csr.pem);
    expect((await openssl(["req", "-in", path, "-verify", "-noout"])).code).toBe(0);
    expect(new x509.Pkcs10CertificateRequest(csr.der).subject).toBe(`CN=${id}`);
  });
});

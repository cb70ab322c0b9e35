/**
 * What the fuzz suite found, reproduced deterministically: one minimal input per finding, sent to
 * the real service, asserting what it now answers. Each stays as the regression test of its fix;
 * the fuzz property that found it (named in the test) keeps looking for others like it.
 */
import { describe, expect } from "vitest";
import { verifyRenewalProof } from "../src/core/renewal-proof.js";
import { countRows } from "./support/database.js";
import { integer, nullValue, OID, sequence, set, tlv, utf8String } from "./support/der.js";
import { it } from "./support/fixtures.js";
import { csrWithSubject, subjectWithCn, textCn } from "./support/forged-keys.js";
import { call, type TestService } from "./support/service.js";

const pem = (der: Uint8Array) =>
  `-----BEGIN CERTIFICATE REQUEST-----\n${Buffer.from(der).toString("base64")}\n-----END CERTIFICATE REQUEST-----\n`;

const ecPublicKey = Uint8Array.from([0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]);

/**
 * A CSR around `spki`, with a signature that does not matter: the failure comes before the
 * signature is looked at.
 */
function csrWithKey(spki: Uint8Array, signatureAlgorithm: Uint8Array): string {
  const info = sequence(integer(0n), textCn("fuzz-finding"), spki, Uint8Array.from([0xa0, 0x00]));
  return pem(sequence(info, signatureAlgorithm, tlv(0x03, new Uint8Array(65))));
}

/** Issues as the admin and expects a 400 problem with this code, and nothing stored. */
async function expectRefusedAndNothingStored(
  service: TestService,
  body: Record<string, unknown>,
  code: string,
): Promise<void> {
  const before = countRows(service.dataDir, "certificates");
  const answer = await call(`${service.url}/v1/certificates`, { token: service.adminToken, body });
  expect({ status: answer.status, code: answer.problem?.code, detail: answer.problem?.detail }).toMatchObject(
    {
      status: 400,
      code,
    },
  );
  expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(countRows(service.dataDir, "certificates")).toBe(before);
}

describe("fixed: a CSR whose key the x509 library cannot read is a 400, not a 500", () => {
  // verifyCsr reads csr.publicKey outside any try: @peculiar/x509 parses the key's inner DER only
  // then, and its plain Error becomes `internal`. Fuzz property: fuzz-csr-parser "mutated DER…".
  it("an RSA key whose BIT STRING is not an RSAPublicKey", async ({ service }) => {
    const spki = sequence(
      sequence(OID.rsaEncryption, nullValue()),
      tlv(0x03, Uint8Array.from([0, 0x30, 0x00])),
    );
    await expectRefusedAndNothingStored(
      service,
      { csr: csrWithKey(spki, sequence(OID.sha256WithRsa, nullValue())) },
      "invalid_csr",
    );
  });

  it("an EC key whose parameters are a SEQUENCE that is no curve", async ({ service }) => {
    const spki = sequence(sequence(ecPublicKey, sequence(integer(1n))), tlv(0x03, new Uint8Array(66)));
    await expectRefusedAndNothingStored(
      service,
      { csr: csrWithKey(spki, sequence(OID.ecdsaWithSha256)) },
      "invalid_csr",
    );
  });
});

describe("fixed: a properly signed CSR whose CN is an empty UTCTime is a 400, not a 500", () => {
  // assertCommonNamesAreText re-serialises the subject (subject.toArrayBuffer()), which throws a
  // plain Error for a CN value of a type it cannot write back. Fuzz property: fuzz-csr-parser
  // "refuses a CN that is not text…".
  it("CN = UTCTime, empty", async ({ service }) => {
    const { csrPem } = csrWithSubject(subjectWithCn(tlv(0x17, new Uint8Array(0))));
    await expectRefusedAndNothingStored(service, { csr: csrPem }, "invalid_csr");
  });
});

describe("fixed: a CSR whose subject holds an element longer than its container is refused", () => {
  // The [0] value `2c 38 20 20` claims 56 bytes inside 4; the ASN.1 reader reads on past its
  // container, swallowing the RDNs after it, so the parser sees no CN while the signed bytes have
  // two. openssl refuses to load such a request. With deviceId given, the CA issues for it (201).
  // Fuzz properties: fuzz-csr-parser "refuses a CN that is not text…" (CN count) and the openssl
  // cross-check of accepted mutants.
  const atv = (oid: number[], value: Uint8Array) => sequence(tlv(0x06, Uint8Array.from(oid)), value);
  const overrunSubject = sequence(
    set(atv([0x2a, 0x03, 0x04], tlv(0xa0, Uint8Array.from([0x2c, 0x38, 0x20, 0x20])))),
    set(atv([0x55, 0x04, 0x0b], tlv(0x80, Uint8Array.from([0x20, 0x20, 0x20, 0x20])))),
    set(
      atv([0x55, 0x04, 0x03], utf8String("\0\0\0\0")),
      atv([0x55, 0x04, 0x03], utf8String("\u{10000}\u0800\u{10000}\u{10000}")),
    ),
  );

  it("refused as invalid_csr, not issued under the deviceId given alongside", async ({ service }) => {
    const { csrPem } = csrWithSubject(overrunSubject);
    await expectRefusedAndNothingStored(service, { csr: csrPem, deviceId: "fuzz-overrun" }, "invalid_csr");
  });
});

describe("fixed: loose spellings of a CSR's signature, which openssl refuses, are refused", () => {
  // Proof of possession held (the signed bytes were a real CSR's), but the request was not DER:
  // WebCrypto verified what openssl would not load. Fuzz property: fuzz-csr-parser "mutated DER…".
  const respelled = (csrPem: string, respell: (der: Buffer, signatureAt: number) => void) => {
    const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
    // A P-256 signature BIT STRING is the last element: 03 <len> 00 30 <len> 02 …
    const signatureAt = der.lastIndexOf(Buffer.from([0x03]), der.length - 70);
    respell(der, signatureAt);
    return pem(der);
  };

  it("a BIT STRING that claims unused bits", async ({ service }) => {
    const { csrPem } = csrWithSubject(textCn("fuzz-unused-bits"));
    const csr = respelled(csrPem, (der, at) => {
      der[at + 2] = 1;
    });
    await expectRefusedAndNothingStored(service, { csr }, "csr_signature_invalid");
  });

  it("an ECDSA signature whose SEQUENCE tag is respelled", async ({ service }) => {
    const { csrPem } = csrWithSubject(textCn("fuzz-sequence-tag"));
    const csr = respelled(csrPem, (der, at) => {
      der[at + 3] = 0xb0;
    });
    await expectRefusedAndNothingStored(service, { csr }, "csr_signature_invalid");
  });
});

describe("fixed: a bearer token spelled otherwise than canonical base64url is refused", () => {
  // jose decodes with atob, which ignores the unused bits of a segment's last character and padding:
  // the same token under other spellings was accepted. Fuzz property: fuzz-http-tokens "bit flips".
  it("padding, or other unused bits in the last character of the signature", async ({ service }) => {
    const token = service.adminToken;
    const last = token.at(-1) ?? "A";
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // The signature segment of an ES256 JWS is 86 characters: its last carries 4 unused bits.
    const sibling = alphabet[(alphabet.indexOf(last) & ~0x0f) | ((alphabet.indexOf(last) + 1) & 0x0f)] ?? "A";
    for (const spelling of [`${token}==`, `${token.slice(0, -1)}${sibling}`]) {
      const answer = await call(`${service.url}/v1/audit?limit=1`, { token: spelling });
      expect({ status: answer.status, detail: answer.problem?.detail }).toEqual({
        status: 401,
        detail: "the token is not a JWT in canonical base64url",
      });
    }
    expect((await call(`${service.url}/v1/audit?limit=1`, { token })).status).toBe(200);
  });
});

describe("fixed: a renewal proof whose alg is an object without a usable toString is refused, not a 500", () => {
  // {"alg":{"toString":""}}: describing alg with String() threw a TypeError. Fuzz property:
  // fuzz-renewal-proof "JWS-shaped strings with hostile headers" (seed 731419993).
  it("proof_invalid, naming the type", async ({ service }) => {
    const verifying = verifyRenewalProof({
      proof: "eyJhbGciOnsidG9TdHJpbmciOiIifX0.e30.ZmFsc2U",
      issuers: await service.context.issuingCa.knownIntermediates(),
      audiences: service.context.renewal.audiences,
      now: new Date(),
    });
    await expect(verifying).rejects.toMatchObject({
      code: "proof_invalid",
      message: expect.stringContaining("alg of type object is not accepted"),
    });
  });
});

import { describe, expect } from "vitest";
import { LocalFileKeyStore } from "../src/adapters/keys/local-file-key-store.js";
import { createRootCertificate } from "../src/core/ca-hierarchy.js";
import { signCrl } from "../src/core/crl.js";
import { CaError } from "../src/core/errors.js";
import type { CaSigner } from "../src/ports/ca-key-store.js";
import { countRows } from "./support/database.js";
import { test } from "./support/fixtures.js";
import { call } from "./support/service.js";

// A real key for the file, from the local key store.
const it = test.extend("signer", { scope: "file" }, ({ dataDir }) =>
  new LocalFileKeyStore(dataDir.path, "signature check passphrase").createKey("root", "ECDSA_P256"),
);

/** The CaSigner port wrapped to return a well-formed signature over other bytes, as a faulty remote signer might. */
const wrongSignatures = (real: CaSigner): CaSigner => ({
  ...real,
  signsInProcess: false,
  sign: (data) => real.sign(new Uint8Array([...data, 0])),
});

const root = (withSigner: CaSigner) =>
  createRootCertificate({
    signer: withSigner,
    commonName: "Check Root CA",
    validityDays: 365,
    serialNumber: "01",
    now: new Date(),
  });

async function refusal(promise: Promise<unknown>): Promise<CaError> {
  const error = await promise.catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(CaError);
  return error as CaError;
}

describe("signatures are verified before anything leaves the core", () => {
  it("refuses a certificate whose signature does not verify with the signer's key", async ({ signer }) => {
    expect(await (await root(signer)).verify({ signatureOnly: true })).toBe(true);
    const error = await refusal(root(wrongSignatures(signer)));
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe(
      "the CA key store returned a signature that does not verify; the certificate was discarded",
    );
  });

  it("refuses a CRL whose signature does not verify", async ({ signer }) => {
    const certificate = await root(signer);
    const request = {
      crlNumber: 1,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + 3_600_000),
      entries: [],
    };
    await signCrl({ ca: { signer, certificate }, ...request });
    const error = await refusal(
      signCrl({ ca: { signer: wrongSignatures(signer), certificate }, ...request }),
    );
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("the CRL was discarded");
  });

  it("answers an issuance 503 and records nothing", async ({ service }) => {
    const ca = await service.context.issuingCa.current();
    const before = countRows(service.dataDir, "certificates");
    const real = ca.signer;
    ca.signer = wrongSignatures(real);
    try {
      const response = await call(`${service.url}/v1/credentials`, {
        token: service.adminToken,
        body: { deviceId: "badly-signed" },
      });
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: "unavailable" });
      expect(countRows(service.dataDir, "certificates")).toBe(before);
    } finally {
      ca.signer = real;
    }
  });
});

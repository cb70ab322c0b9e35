import { describe, expect } from "vitest";
import { recordCaCertificates } from "../src/app/record-ca-certificates.js";
import { createIntermediateCertificate } from "../src/core/ca-hierarchy.js";
import type { CaSigner } from "../src/ports/ca-key-store.js";
import { it, test } from "./support/fixtures.js";

// The service's IssuingCaSource re-reads the root's revocations when its copy is two seconds old by
// the service's clock: the file's clock, which the test moves instead of waiting.
test.override("serviceOptions", ({ clock }) => ({ clock }));

describe("the issuing CA a service signs with", () => {
  it("stops at a revoked intermediate, and takes a successor only once it is on record", async ({
    service,
    clock,
  }) => {
    const { issuingCa, keyStore, store } = service.context;
    const retired = (await issuingCa.current()).certificate;
    const serialNumber = retired.serialNumber.toLowerCase();
    const at = new Date(Math.floor(clock.now().getTime() / 1000) * 1000);
    await store.revoke({
      serialNumber,
      reason: "keyCompromise",
      at,
      audit: { at, actor: "test", action: "intermediate.retire", target: serialNumber, outcome: "success" },
    });
    clock.advance(2_001);
    await expect(issuingCa.current()).rejects.toMatchObject({ code: "issuing_ca_retired" });
    expect((await issuingCa.retired()).map((entry) => entry.reason)).toEqual(["keyCompromise"]);

    // A successor in the key store that was never recorded (what the retire command's order rules
    // out) is not signed with.
    const root = await keyStore.load("root");
    const next = await keyStore.nextKey("intermediate", "ECDSA_P256");
    const successor = await createIntermediateCertificate({
      signer: next,
      rootSigner: root?.signer as CaSigner,
      root: issuingCa.root,
      commonName: "Unrecorded Issuing CA",
      validityDays: 365,
      serialNumber: "5ecc",
      now: clock.now(),
    });
    await keyStore.promoteNextKey("intermediate", new Uint8Array(successor.rawData));
    clock.advance(2_001);
    await expect(issuingCa.current()).rejects.toMatchObject({ code: "issuing_ca_retired" });

    await recordCaCertificates(store, [{ profile: "intermediate", certificate: successor }], clock.now());
    clock.advance(2_001);
    expect((await issuingCa.current()).certificate.serialNumber).toBe(successor.serialNumber);
    expect((await issuingCa.knownIntermediates()).map((certificate) => certificate.serialNumber)).toEqual([
      successor.serialNumber,
      retired.serialNumber,
    ]);
  });
});

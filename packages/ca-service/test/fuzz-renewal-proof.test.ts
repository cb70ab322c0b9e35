/**
 * Fuzzing the renewal-proof verifier (`verifyRenewalProof`) directly: random strings, random
 * JWS-shaped input, mutations of a real proof for a real device certificate (which must all be
 * refused), and proofs whose header and claims are changed and then properly signed with the
 * device's key (refused, or accepted only when every rule about them holds). A refusal is always a
 * CaError `proof_invalid`: never another exception, which would be a 500.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-renewal-proof.test.ts -t '<name>'
 */

import fc from "fast-check";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { describe, expect } from "vitest";
import { verifyRenewalProof } from "../src/core/renewal-proof.js";
import { it as base } from "./support/fixtures.js";
import { csrWithSubject, textCn } from "./support/forged-keys.js";
import { applyMemberChanges, edgeValues, memberChanges } from "./support/fuzz/claim-changes.js";
import { enrolDevice } from "./support/fuzz/enrolled-device.js";
import { applyJwsMutation, isSameJws, jwsMutation, jwsShaped, signCompact } from "./support/fuzz/jws.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { expectRefusedWith, parseOrRefuse } from "./support/fuzz/refusal.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { csrSha256, renewalProof, x5cOf } from "./support/renewal-proof.js";
import type { TestService } from "./support/service.js";

/** One enrolled device and a real proof of it, made once for the file. */
const it = base.extend("renewal", { scope: "file" }, async ({ service }) => {
  const device = await enrolDevice(service, "fuzz-proof-device");
  const csrPem = csrWithSubject(textCn(device.deviceId)).csrPem;
  const proof = await renewalProof({ keyPem: device.keyPem, chainPem: device.fullChainPem, csrPem });
  return { device, csrPem, proof };
});

const verify = (service: TestService, proof: string, now = new Date()) =>
  parseOrRefuse(async () =>
    verifyRenewalProof({
      proof,
      issuers: await service.context.issuingCa.knownIntermediates(),
      audiences: service.context.renewal.audiences,
      now,
    }),
  );

async function expectRefused(service: TestService, proof: string): Promise<void> {
  const verified = await verify(service, proof);
  if (verified.ok) throw new Error("accepted a proof that is not one");
  expectRefusedWith(verified.error, ["proof_invalid"]);
}

describe("verifyRenewalProof on input that was never a proof", () => {
  it("random strings", { timeout: timeoutFor(300, 25) }, async ({ service }) => {
    const text = fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(text, (proof) => expectRefused(service, proof)),
      fuzzParameters(300),
    );
  });

  it("JWS-shaped strings with hostile headers", { timeout: timeoutFor(300, 25) }, async ({ service }) => {
    await fc.assert(
      fc.asyncProperty(jwsShaped, (proof) => expectRefused(service, proof)),
      fuzzParameters(300),
    );
  });
});

describe("verifyRenewalProof on a real proof, changed", () => {
  it("a real proof verifies (so the refusals below are about the changes)", async ({ service, renewal }) => {
    const verified = await verify(service, renewal.proof);
    expect(verified.ok && verified.value.certificate.serialNumber.toLowerCase()).toBe(
      renewal.device.serialNumber,
    );
  });

  it("mutated without re-signing: refused, unless the change left the very same token", {
    timeout: timeoutFor(400, 25),
  }, async ({ service, renewal }) => {
    await fc.assert(
      fc.asyncProperty(jwsMutation, async (mutation) => {
        const mutated = applyJwsMutation(renewal.proof, mutation);
        const verified = await verify(service, mutated);
        if (!verified.ok) return expectRefusedWith(verified.error, ["proof_invalid"]);
        // atob's leniency in the signature segment: the same bytes, so the same proof (reported).
        expect(isSameJws(renewal.proof, mutated), `accepted the changed proof ${mutated}`).toBe(true);
      }),
      fuzzParameters(400),
    );
  });

  it("header and claims changed, then signed with the device's key: accepted only within the rules", {
    timeout: timeoutFor(400, 25),
  }, async ({ service, renewal }) => {
    const { device, csrPem } = renewal;
    const now = new Date();
    const nowSeconds = Math.floor(now.getTime() / 1000);
    const header = { alg: "ES256", x5c: x5cOf(device.fullChainPem) };
    const claims = {
      aud: "edge-pki:renew",
      iat: nowSeconds,
      exp: nowSeconds + 120,
      jti: "fuzz-jti",
      csr_sha256: csrSha256(csrPem),
    };
    const audiences = service.context.renewal.audiences;
    const values = edgeValues(nowSeconds, [...audiences, "ES256", "ES384", "none", "HS256", "edge-pki:api"]);
    const headerValues = fc.oneof(
      values,
      fc.constant(x5cOf(device.fullChainPem).reverse()),
      fc.constant(x5cOf(device.fullChainPem).slice(1)),
    );
    const outcomes = new Outcomes();
    const runs = 400;
    await fc.assert(
      fc.asyncProperty(
        fc.option(memberChanges(Object.keys(header).concat("typ", "crit", "kid", "jwk"), headerValues)),
        fc.option(memberChanges(Object.keys(claims).concat("nbf", "iss", "sub"), values)),
        async (headerChanges, claimChanges) => {
          const proof = signCompact(
            applyMemberChanges(header, headerChanges ?? []),
            applyMemberChanges(claims, claimChanges ?? []),
            device.privateKey,
          );
          const verified = await verify(service, proof, now);
          outcomes.note(verified.ok ? "accepted" : "refused");
          if (!verified.ok) return expectRefusedWith(verified.error, ["proof_invalid"]);
          expectWithinTheRules(proof, now, audiences);
          expect(verified.value.certificate.serialNumber.toLowerCase()).toBe(device.serialNumber);
        },
      ),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["accepted", "refused"], runs);
  });
});

/**
 * The rules of docs/api.md, restated independently of the verifier: ES256 (the device's key is
 * P-256), one of our audiences, iat and exp at most five minutes apart, a jti of 1 to 128
 * characters, and a lifetime around now (a minute's leeway).
 */
function expectWithinTheRules(proof: string, now: Date, audiences: readonly string[]): void {
  const header = decodeProtectedHeader(proof);
  const claims = decodeJwt(proof);
  const nowSeconds = now.getTime() / 1000;
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const { iat, exp, jti } = claims;
  expect(header.alg).toBe("ES256");
  expect(aud.some((audience) => audiences.includes(audience as string))).toBe(true);
  expect(typeof iat === "number" && typeof exp === "number").toBe(true);
  expect((exp as number) - (iat as number)).toBeLessThanOrEqual(300);
  expect(exp as number).toBeGreaterThan(nowSeconds - 60);
  expect(iat as number).toBeGreaterThanOrEqual(nowSeconds - 300 - 60);
  expect(typeof jti === "string" && jti.length >= 1 && jti.length <= 128).toBe(true);
}

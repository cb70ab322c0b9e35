/**
 * Fuzzing POST /v1/certificates/renew over HTTP with real device certificates: each run enrols a
 * fresh device (a certificate renews only once), makes a real proof for a new CSR, and then
 * mutates the proof without re-signing, changes its header and claims and signs them with the
 * device's key, mutates the CSR it names, or leaves both alone. Every answer is a problem of the
 * contract or a 201; a success stores exactly one certificate and one used proof, for the device
 * and the key of the CSR the proof names; a refusal stores neither.
 *
 * Known and reported: a changed proof that is still the same token (atob ignores a few bits of the
 * signature segment, see `isSameJws`) renews like the original.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-http-renewal.test.ts -t '<name>'
 * (each run enrols a device of its own, so a replay sends the same changes to fresh certificates).
 */
import { createPublicKey, X509Certificate } from "node:crypto";
import { type IssuedCertificate, operations } from "@edge-pki/api-contract";
import fc from "fast-check";
import { decodeJwt } from "jose";
import { expect } from "vitest";
import { it, test } from "./support/fixtures.js";
import { csrWithSubject, textCn } from "./support/forged-keys.js";
import { applyMemberChanges, edgeValues, memberChanges } from "./support/fuzz/claim-changes.js";
import { expectContractAnswer } from "./support/fuzz/contract-answers.js";
import { enrolDevice } from "./support/fuzz/enrolled-device.js";
import { IssuedCertificates } from "./support/fuzz/issued-certificates.js";
import { applyJwsMutation, isSameJws, jwsMutation, signCompact } from "./support/fuzz/jws.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { NOTHING_ADDED, rowsAdded, storedRows } from "./support/fuzz/stored-rows.js";
import { applyTextMutations, textMutations } from "./support/fuzz/text-mutations.js";
import { csrSha256, x5cOf } from "./support/renewal-proof.js";
import { call } from "./support/service.js";

// Fuzzing sends far more requests a minute than a client would: no rate limit may refuse them.
test.override({
  serviceOptions: {
    env: {
      EDGE_PKI_RATE_LIMIT_PER_MINUTE: "0",
      EDGE_PKI_DEVICE_RATE_LIMIT_PER_MINUTE: "0",
      EDGE_PKI_PUBLIC_RATE_LIMIT_PER_MINUTE: "0",
    },
  },
});

/** What a run does to the real request. */
const nowSeconds = () => Math.floor(Date.now() / 1000);
const values = edgeValues(nowSeconds(), [
  "edge-pki:renew",
  "edge-pki:api",
  "ES256",
  "ES384",
  "RS256",
  "none",
]);
const change = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("mutate proof" as const), mutation: jwsMutation }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("re-sign proof" as const),
      header: fc.option(memberChanges(["alg", "x5c", "typ", "crit", "kid"], values)),
      claims: fc.option(memberChanges(["aud", "iat", "exp", "jti", "nbf", "csr_sha256"], values)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("mutate CSR" as const), mutations: textMutations }) },
  { weight: 1, arbitrary: fc.constant({ kind: "unchanged" as const }) },
);

const runs = 50;

it("changed proofs and CSRs: a contract answer; a renewal only for the CSR the device signed for", {
  timeout: timeoutFor(runs, 400),
}, async ({ service, dataDir }) => {
  const issued = new IssuedCertificates();
  const outcomes = new Outcomes();
  let devices = 0;
  await fc.assert(
    fc.asyncProperty(change, async (run) => {
      const device = await enrolDevice(service, `fuzz-renew-${Date.now()}-${devices++}`);
      const { csrPem, privateKey: newKey } = csrWithSubject(textCn(device.deviceId));
      const issuedAt = nowSeconds();
      const header = { alg: "ES256", x5c: x5cOf(device.fullChainPem) };
      const claims = {
        aud: "edge-pki:renew",
        iat: issuedAt,
        exp: issuedAt + 120,
        jti: `fuzz-${device.deviceId}`,
        csr_sha256: csrSha256(csrPem),
      };
      const proof = signCompact(header, claims, device.privateKey);
      let body = { csr: csrPem, proof };
      if (run.kind === "mutate proof") body = { csr: csrPem, proof: applyJwsMutation(proof, run.mutation) };
      if (run.kind === "mutate CSR") body = { csr: applyTextMutations(csrPem, run.mutations), proof };
      if (run.kind === "re-sign proof") {
        const changedHeader = applyMemberChanges(header, run.header ?? []);
        const changedClaims = applyMemberChanges(claims, run.claims ?? []);
        body = { csr: csrPem, proof: signCompact(changedHeader, changedClaims, device.privateKey) };
      }

      const before = storedRows(service.dataDir);
      const answer = await call<IssuedCertificate>(`${service.url}/v1/certificates/renew`, { body });
      const verdict = expectContractAnswer(answer, operations.renewCertificate);
      outcomes.note(`${run.kind} ${verdict}`);
      const added = rowsAdded(before, storedRows(service.dataDir));
      if (verdict !== "success") {
        expect(added, `a ${verdict} refusal stored something`).toEqual(NOTHING_ADDED);
        return;
      }
      expect(added).toEqual({ ...NOTHING_ADDED, certificates: 1, renewalProofs: 1 });
      issued.add(answer.body);
      // The renewal is for this device and onto the key of the CSR its key signed for: a captured
      // proof must not carry a certificate over to another key.
      const renewed = new X509Certificate(answer.body.certificatePem);
      expect(answer.body.deviceId).toBe(device.deviceId);
      expect(renewed.publicKey.export({ format: "jwk" })).toEqual(
        createPublicKey(newKey).export({ format: "jwk" }),
      );
      if (run.kind === "mutate proof")
        expect(isSameJws(proof, body.proof), `renewed with ${body.proof}`).toBe(true);
      if (run.kind === "re-sign proof") expect(decodeJwt(body.proof).csr_sha256).toBe(claims.csr_sha256);
    }),
    fuzzParameters(runs),
  );
  outcomes.expectSeen(
    ["unchanged success", "mutate proof proof_invalid", "re-sign proof proof_invalid"],
    runs,
  );
  await issued.expectOpensslVerifies(service, dataDir);
});

/**
 * Fuzzing bearer authentication over HTTP: random Authorization headers and tokens, mutations of
 * the real admin token (every flipped bit among them), on the GET operations that need a token; and
 * mutated one-time bootstrap tokens redeemed for a certificate. A token that is not the real one is
 * refused with a 401 problem and stores nothing: a mutated bootstrap token neither gets a
 * certificate nor uses up the real token, which still redeems once afterwards.
 *
 * Known and reported: jose decodes the signature segment with atob, which ignores the unused low
 * bits of its last character and whitespace, so a few changed characters leave the very same token;
 * those are accepted as the token they are (see `isSameJws`). Refused authentications are audited
 * (audit_log) by design; the checks here are on what a refusal must not store.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-http-tokens.test.ts -t '<name>'
 */
import {
  type BootstrapToken,
  expandPath,
  type IssuedCertificate,
  type OperationId,
  operations,
} from "@edge-pki/api-contract";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { it as base, test } from "./support/fixtures.js";
import { csrWithSubject, textCn } from "./support/forged-keys.js";
import { expectContractAnswer } from "./support/fuzz/contract-answers.js";
import { IssuedCertificates } from "./support/fuzz/issued-certificates.js";
import { applyJwsMutation, isSameJws, jwsMutation, jwsShaped } from "./support/fuzz/jws.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { NOTHING_ADDED, rowsAdded, storedRows } from "./support/fuzz/stored-rows.js";
import { call, type TestService } from "./support/service.js";

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

/** The GET operations that need a bearer token, with parameters that name something (see `paths`). */
const GET_WITH_TOKEN = (Object.keys(operations) as OperationId[]).filter(
  (id) => operations[id].method === "GET" && operations[id].authentication.kind === "bearer",
);

const it = base.extend("paths", { scope: "file" }, async ({ service }) => {
  const intermediate = (await service.context.issuingCa.current()).certificate;
  // The device the paths name is blocked from EST: its block is something the real token can read.
  const blocked = await call(`${service.url}/v1/est/blocked-devices`, {
    token: service.adminToken,
    body: { deviceId: "fuzz-device" },
  });
  expect(blocked.status).toBe(200);
  return GET_WITH_TOKEN.map((id) => ({
    id,
    path: expandPath(operations[id].path, {
      serialNumber: intermediate.serialNumber.toLowerCase(),
      deviceId: "fuzz-device",
    }),
  }));
});

/** What fetch can put in a header: no control characters, nothing beyond Latin-1. */
const sendable = (value: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(value);

/**
 * Sends `authorization` to a GET operation: the real admin token must get its success, anything
 * else (but the same token in another spelling) a 401, and nothing may be stored either way.
 */
async function expectOnlyTheRealTokenAdmitted(
  service: TestService,
  route: { id: OperationId; path: string },
  authorization: string,
  outcomes: Outcomes,
): Promise<void> {
  if (!sendable(authorization)) return outcomes.note("not sendable");
  const before = storedRows(service.dataDir);
  const answer = await call(`${service.url}${route.path}`, { headers: { authorization } });
  const verdict = expectContractAnswer(answer, operations[route.id]);
  outcomes.note(verdict);
  expect(rowsAdded(before, storedRows(service.dataDir))).toEqual(NOTHING_ADDED);
  const token = /^Bearer +(\S+) *$/i.exec(authorization.trim())?.[1];
  const sameToken = token !== undefined && isSameJws(service.adminToken, token);
  if (verdict === "success") expect(sameToken, `admitted ${authorization}`).toBe(true);
  else expect(verdict, `${authorization} was refused as ${verdict}`).toBe("unauthorized");
}

describe("GET operations with fuzzed bearer tokens", () => {
  const runs = 100;

  it("random Authorization headers and tokens: 401", { timeout: timeoutFor(runs, 50) }, async ({
    service,
    paths,
  }) => {
    const outcomes = new Outcomes();
    const authorization = fc.oneof(
      fc.string({ maxLength: 100 }),
      fc.string({ maxLength: 100 }).map((token) => `Bearer ${token}`),
      jwsShaped.map((token) => `Bearer ${token}`),
      jwsShaped.map((token) => `bearer  ${token}`),
      fc.constantFrom("Bearer", "Bearer ", "Basic YWRtaW46YWRtaW4=", "Bearer a b", "Bearer ===="),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), authorization, (route, header) =>
        expectOnlyTheRealTokenAdmitted(service, route, header, outcomes),
      ),
      fuzzParameters(runs),
    );
    expect(outcomes.count("success")).toBe(0);
  });

  it("mutations of the real admin token: 401 unless it is still the same token", {
    timeout: timeoutFor(runs, 50),
  }, async ({ service, paths }) => {
    const outcomes = new Outcomes();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), jwsMutation, (route, mutation) =>
        expectOnlyTheRealTokenAdmitted(
          service,
          route,
          `Bearer ${applyJwsMutation(service.adminToken, mutation)}`,
          outcomes,
        ),
      ),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["unauthorized"], runs);
  });

  it("every flipped bit of the real admin token: 401 unless it is still the same token", {
    timeout: timeoutFor(runs, 50),
  }, async ({ service, paths }) => {
    const outcomes = new Outcomes();
    const flip = fc.record({ at: fc.nat({ max: service.adminToken.length - 1 }), bit: fc.nat({ max: 7 }) });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), flip, (route, { at, bit }) => {
        const token = service.adminToken;
        const flipped =
          token.slice(0, at) + String.fromCharCode(token.charCodeAt(at) ^ (1 << bit)) + token.slice(at + 1);
        return expectOnlyTheRealTokenAdmitted(service, route, `Bearer ${flipped}`, outcomes);
      }),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["unauthorized"], runs);
  });
});

describe("POST /v1/certificates with mutated bootstrap tokens", () => {
  const runs = 30;

  it("a mutated bootstrap token gets nothing and uses nothing up; the real one then redeems once", {
    timeout: timeoutFor(runs, 300),
  }, async ({ service, dataDir }) => {
    const issued = new IssuedCertificates();
    const outcomes = new Outcomes();
    let device = 0;
    await fc.assert(
      fc.asyncProperty(jwsMutation, async (mutation) => {
        const deviceId = `fuzz-bootstrap-${Date.now()}-${device++}`;
        const minted = await call<BootstrapToken>(`${service.url}/v1/bootstrap-tokens`, {
          token: service.adminToken,
          body: { deviceId },
        });
        expect(minted.status).toBe(201);
        const { csrPem } = csrWithSubject(textCn(deviceId));
        const redeem = (token: string) =>
          call<IssuedCertificate>(`${service.url}/v1/certificates`, { token, body: { csr: csrPem } });

        const mutated = applyJwsMutation(minted.body.token, mutation);
        const sameToken = isSameJws(minted.body.token, mutated);
        if (sendable(mutated) && !sameToken) {
          const before = storedRows(service.dataDir);
          const answer = await redeem(mutated);
          const verdict = expectContractAnswer(answer, operations.issueCertificate);
          outcomes.note(verdict);
          expect(verdict, `the mutated token ${mutated}`).toBe("unauthorized");
          expect(rowsAdded(before, storedRows(service.dataDir))).toEqual(NOTHING_ADDED);
        }
        const before = storedRows(service.dataDir);
        const real = await redeem(minted.body.token);
        expect(expectContractAnswer(real, operations.issueCertificate)).toBe("success");
        expect(rowsAdded(before, storedRows(service.dataDir))).toEqual({
          ...NOTHING_ADDED,
          certificates: 1,
          usedTokens: 1,
        });
        issued.add(real.body);
        const again = await redeem(minted.body.token);
        expect(expectContractAnswer(again, operations.issueCertificate)).toBe("token_used");
      }),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["unauthorized"], runs, 20);
    await issued.expectOpensslVerifies(service, dataDir);
  });
});

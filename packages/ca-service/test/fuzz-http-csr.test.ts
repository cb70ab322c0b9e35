/**
 * Fuzzing POST /v1/certificates over HTTP, as the admin: random and mutated CSRs in the JSON body
 * (with and without a deviceId), properly signed CSRs with subjects of every shape, and junk sent
 * as application/json. Every answer is a problem of the contract (never a 5xx) or a 201 whose
 * certificate openssl verifies against the service's root and chain; each answer stores exactly
 * one certificate if it is a success, and nothing at all otherwise.
 *
 * What it found (mutated CSRs reaching 500s in the CSR parser, subjects that overrun their container
 * being issued) is fixed in src/core/csr.ts and kept as regression tests in fuzz-findings.test.ts.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-http-csr.test.ts -t '<name>'
 * (the service's store differs between runs, so a replay sends the same requests to another store).
 */
import { gzipSync } from "node:zlib";
import { type IssuedCertificate, operations } from "@edge-pki/api-contract";
import fc from "fast-check";
import { describe, expect } from "vitest";
import { it as base, test } from "./support/fixtures.js";
import { applyByteMutations, byteMutations } from "./support/fuzz/byte-mutations.js";
import { expectContractAnswer } from "./support/fuzz/contract-answers.js";
import { signedCsrWithSubject, subjectArbitrary } from "./support/fuzz/csr-subjects.js";
import { deviceIdArbitrary } from "./support/fuzz/device-ids.js";
import { IssuedCertificates } from "./support/fuzz/issued-certificates.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { pemWrapping, wrapPem } from "./support/fuzz/pem-wrapping.js";
import { postBytes } from "./support/fuzz/raw-request.js";
import { makeSeedCsrs, seedCsrArbitrary } from "./support/fuzz/seed-csrs.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { NOTHING_ADDED, rowsAdded, storedRows } from "./support/fuzz/stored-rows.js";
import { applyTextMutations, textMutations } from "./support/fuzz/text-mutations.js";
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
const it = base.extend("seeds", { scope: "file" }, ({ dataDir }) => makeSeedCsrs(dataDir));

const issueCertificate = operations.issueCertificate;

/**
 * Sends one request to POST /v1/certificates and checks the answer against the contract and the
 * store: one certificate for a success, nothing for a refusal.
 */
async function issue(
  service: TestService,
  body: unknown,
  issued: IssuedCertificates,
  outcomes: Outcomes,
): Promise<void> {
  const url = `${service.url}/v1/certificates`;
  const authorization = { authorization: `Bearer ${service.adminToken}` };
  const before = storedRows(service.dataDir);
  const answer =
    body instanceof RawBody
      ? await postBytes(url, body.bytes, { ...authorization, ...body.headers })
      : await call<IssuedCertificate>(url, { token: service.adminToken, body });
  const verdict = expectContractAnswer(answer, issueCertificate);
  outcomes.note(verdict);
  const added = rowsAdded(before, storedRows(service.dataDir));
  if (verdict !== "success") {
    expect(added, `a ${verdict} refusal stored something`).toEqual(NOTHING_ADDED);
    return;
  }
  expect(added).toEqual({ ...NOTHING_ADDED, certificates: 1 });
  issued.add(answer.body as IssuedCertificate);
}

/** A body sent as it is, with its own headers, instead of as JSON. */
class RawBody {
  constructor(
    readonly bytes: Uint8Array,
    readonly headers: Record<string, string>,
  ) {}
}

/** Sometimes a deviceId alongside the CSR: none, the CN itself, or another ID. */
const deviceIdField = fc.option(fc.oneof(deviceIdArbitrary, fc.constantFrom("fuzz-p256", "fuzz-rsa2048")), {
  freq: 2,
});
const withDeviceId = (csr: string, deviceId: string | null) =>
  deviceId === null ? { csr } : { csr, deviceId };

describe("POST /v1/certificates with fuzzed CSRs", () => {
  const runs = 100;

  it("mutated CSRs (DER re-wrapped, PEM text): a contract answer, one certificate per success", {
    timeout: timeoutFor(runs, 150),
  }, async ({ service, seeds, dataDir }) => {
    const issued = new IssuedCertificates();
    const outcomes = new Outcomes();
    const mutated = fc.oneof(
      fc
        .tuple(seedCsrArbitrary(seeds), byteMutations, pemWrapping)
        .map(([seed, mutations, wrapping]) => wrapPem(applyByteMutations(seed.der, mutations), wrapping)),
      fc
        .tuple(seedCsrArbitrary(seeds), textMutations)
        .map(([seed, mutations]) => applyTextMutations(seed.pem, mutations)),
      // Unmutated seeds now and then, so that successes are among the answers.
      seedCsrArbitrary(seeds).map((seed) => seed.pem),
    );
    await fc.assert(
      fc.asyncProperty(mutated, deviceIdField, (csr, deviceId) =>
        issue(service, withDeviceId(csr, deviceId), issued, outcomes),
      ),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["success", "invalid_csr"], runs);
    await issued.expectOpensslVerifies(service, dataDir);
  });

  it("signed CSRs with subjects of every shape: a contract answer, the certificate for the CN", {
    timeout: timeoutFor(runs, 150),
  }, async ({ service, dataDir }) => {
    const issued = new IssuedCertificates();
    const outcomes = new Outcomes();
    await fc.assert(
      fc.asyncProperty(subjectArbitrary, deviceIdField, (subject, deviceId) =>
        issue(service, withDeviceId(signedCsrWithSubject(subject), deviceId), issued, outcomes),
      ),
      fuzzParameters(runs),
    );
    outcomes.expectSeen(["success"], runs);
    await issued.expectOpensslVerifies(service, dataDir);
  });
});

describe("POST /v1/certificates with junk for a JSON body", () => {
  const runs = 100;
  /** What a confused or hostile client sends: any text, JSON of the wrong shape, broken gzip. */
  const junk = fc.record({
    contentType: fc.constantFrom(
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=latin1",
      "application/JSON",
      "text/plain",
      "application/pkcs10",
      "application/x-www-form-urlencoded",
    ),
    encoding: fc.constantFrom(undefined, "gzip", "br", "identity", "compress"),
    gzipped: fc.boolean(),
    body: fc.oneof(
      fc.string({ unit: "binary", maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify({ csr: value })),
      fc.nat({ max: 200 }).map((depth) => `${"[".repeat(depth)}${"]".repeat(depth)}`),
      fc.constantFrom('{"csr": "', "{", "", "null", '{"__proto__": {"csr": "x"}}', '{"csr":"a","csr":1}'),
    ),
  });

  it("any text, JSON of any shape, any media type and encoding: a contract answer, nothing stored", {
    timeout: timeoutFor(runs, 100),
  }, async ({ service }) => {
    const outcomes = new Outcomes();
    const issued = new IssuedCertificates();
    await fc.assert(
      fc.asyncProperty(junk, async ({ contentType, encoding, gzipped, body }) => {
        const headers: Record<string, string> = { "content-type": contentType };
        if (encoding !== undefined) headers["content-encoding"] = encoding;
        const bytes = gzipped ? gzipSync(body) : Buffer.from(body);
        await issue(service, new RawBody(bytes, headers), issued, outcomes);
      }),
      fuzzParameters(runs),
    );
    expect(issued.size, "junk was issued a certificate").toBe(0);
  });
});

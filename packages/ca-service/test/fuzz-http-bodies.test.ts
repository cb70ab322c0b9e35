/**
 * Fuzzing every POST operation of the contract's table over HTTP (issueCertificate,
 * issueCredentials, createBootstrapToken, renewCertificate, revokeCertificate, revokeToken): any
 * JSON value as the body, and objects with the operation's own field names holding valid values,
 * values past every limit and values of the wrong type; path parameters real and fuzzed; an
 * Idempotency-Key now and then. Every answer is a problem of the contract or the operation's
 * success, and the store changes exactly as the successes say: a certificate per issuance (none for
 * an idempotent replay), an idempotency record per first use of a key, a revocation per first
 * revocation; nothing at all for a refusal.
 *
 * Runs: FUZZ_RUNS=<n> or FUZZ_SCALE=<x>. Replay a failure with the seed and path it printed:
 *   FUZZ_SEED=<seed> FUZZ_PATH=<path> npx vitest run packages/ca-service/test/fuzz-http-bodies.test.ts -t '<name>'
 * (the service's store differs between runs, so a replay sends the same requests to another store).
 */
import { createPrivateKey, createPublicKey, randomUUID, X509Certificate } from "node:crypto";
import {
  expandPath,
  type IssuedCertificate,
  type IssuedCredentials,
  type OperationDefinition,
  type OperationId,
  operations,
} from "@edge-pki/api-contract";
import fc from "fast-check";
import { decodeJwt } from "jose";
import { expect } from "vitest";
import { it, test } from "./support/fixtures.js";
import { expectContractAnswer, ISSUING_OPERATIONS, type Verdict } from "./support/fuzz/contract-answers.js";
import { enrolDevice } from "./support/fuzz/enrolled-device.js";
import { IssuedCertificates } from "./support/fuzz/issued-certificates.js";
import { Outcomes } from "./support/fuzz/outcomes.js";
import { bodyFieldsOf, fuzzedBody } from "./support/fuzz/request-bodies.js";
import { fuzzParameters, timeoutFor } from "./support/fuzz/settings.js";
import { NOTHING_ADDED, rowsAdded, type StoredRows, storedRows } from "./support/fuzz/stored-rows.js";
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

const POST_OPERATIONS = (Object.keys(operations) as OperationId[]).filter(
  (id) => operations[id].method === "POST",
);

/** Path parameters: ones that name something real, and ones that name nothing or are not IDs. */
function paramValues(targets: {
  serialNumbers: string[];
  tokenIds: string[];
  estCredentialIds: string[];
  blockedDevices: string[];
}): Record<string, fc.Arbitrary<string>> {
  const junk = fc.oneof(
    fc.string({ minLength: 1, maxLength: 30 }),
    fc.string({ unit: "binary", minLength: 1, maxLength: 10 }),
  );
  return {
    serialNumber: fc.oneof(
      fc.constantFrom(...targets.serialNumbers),
      fc
        .constantFrom(...targets.serialNumbers)
        .map((serial) => serial.toUpperCase().replace(/(..)(?!$)/g, "$1:")),
      fc.stringMatching(/^[0-9a-f]{1,44}$/),
      junk,
    ),
    tokenId: fc.oneof(
      fc.constantFrom(...targets.tokenIds),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,130}$/),
      junk,
    ),
    id: fc.oneof(
      fc.constantFrom(...targets.estCredentialIds),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,130}$/),
      junk,
    ),
    deviceId: fc.oneof(
      fc.constantFrom(...targets.blockedDevices),
      fc.constantFrom(...targets.blockedDevices).map((device) => device.toUpperCase()),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,130}$/),
      junk,
    ),
  };
}

/**
 * What the store must have gained from one answer, given what earlier answers of this property
 * did: keys already recorded replay (no new certificate, no new record), revocations count once.
 */
class Ledger {
  private readonly recordedKeys = new Set<string>();
  private readonly revoked = new Set<string>();
  /** Devices blocked from EST, by their lower case: a block of one of them adds nothing. */
  private readonly blocked: Set<string>;

  constructor(blockedDevices: readonly string[]) {
    this.blocked = new Set(blockedDevices.map((device) => device.toLowerCase()));
  }

  expected(operationId: OperationId, verdict: Verdict, key: string | undefined, target: string): StoredRows {
    if (verdict !== "success") return NOTHING_ADDED;
    const operation: OperationDefinition = operations[operationId];
    const firstUseOfKey = operation.idempotent && key !== undefined && !this.recordedKeys.has(key);
    const replay = operation.idempotent && key !== undefined && !firstUseOfKey;
    if (firstUseOfKey) this.recordedKeys.add(key);
    const firstRevocation = !this.revoked.has(`${operationId} ${target}`);
    const revoking = ["revokeCertificate", "revokeToken", "revokeEstCredential"].includes(operationId);
    if (revoking) this.revoked.add(`${operationId} ${target}`);
    return {
      ...NOTHING_ADDED,
      ...this.blockChange(operationId, target),
      certificates: ISSUING_OPERATIONS.has(operationId) && !replay ? 1 : 0,
      idempotencyRecords: firstUseOfKey ? 1 : 0,
      renewalProofs: operationId === "renewCertificate" ? 1 : 0,
      revokedCertificates: operationId === "revokeCertificate" && firstRevocation ? 1 : 0,
      revokedApiTokens: operationId === "revokeToken" && firstRevocation ? 1 : 0,
      estCredentials: operationId === "createEstCredential" ? 1 : 0,
      revokedEstCredentials: operationId === "revokeEstCredential" && firstRevocation ? 1 : 0,
    };
  }

  /** A block adds a row unless the device (in any case) had one; lifting one removes it. */
  private blockChange(operationId: OperationId, device: string): Partial<StoredRows> {
    const key = device.toLowerCase();
    if (operationId === "blockEstDevice" && !this.blocked.has(key)) {
      this.blocked.add(key);
      return { estDeviceBlocks: 1 };
    }
    if (operationId === "unblockEstDevice") {
      this.blocked.delete(key);
      return { estDeviceBlocks: -1 };
    }
    return {};
  }
}

/** The private key handed out is the key of the certificate issued with it. */
function expectKeyOfCertificate(credentials: IssuedCredentials): void {
  const certificateKey = new X509Certificate(credentials.certificatePem).publicKey.export({ format: "jwk" });
  const privateKeysPublicKey = createPublicKey(createPrivateKey(credentials.privateKeyPem)).export({
    format: "jwk",
  });
  expect(privateKeysPublicKey).toEqual(certificateKey);
}

/** The names of a path's parameters: `/v1/tokens/{tokenId}/revoke` has `tokenId`. */
function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] as string);
}

/** An EST credential the property may revoke. */
async function estCredentialId(service: TestService): Promise<string> {
  const created = await call<{ id: string }>(`${service.url}/v1/est/credentials`, {
    token: service.adminToken,
    body: { username: `fuzz-${randomUUID()}`, devicePrefix: "fuzz-" },
  });
  expect(created.status).toBe(201);
  return created.body.id;
}

/** A device blocked from EST, whose block the property may lift (and put back). */
async function blockedDevice(service: TestService): Promise<string> {
  const deviceId = `fuzz-blocked-${randomUUID()}`;
  const blocked = await call(`${service.url}/v1/est/blocked-devices`, {
    token: service.adminToken,
    body: { deviceId },
  });
  expect(blocked.status).toBe(200);
  return deviceId;
}

/** Operations a fuzzed body can make succeed, which each run must see succeeding. */
const MUST_SUCCEED: readonly OperationId[] = ["issueCredentials", "createBootstrapToken"];
// Enough for every operation to be tried about 30 times, those of MUST_SUCCEED about 100.
const runs = 30 * POST_OPERATIONS.length;

it("every POST operation, any body: a contract answer, and the store changes only as the successes say", {
  timeout: timeoutFor(runs, 250),
}, async ({ service, dataDir }) => {
  // Something real for the path parameters to name: a device certificate the property may revoke,
  // the CA's own intermediate (never revocable here), a token it may revoke. Never the admin's
  // token: revoking it would end the fuzzing.
  const device = await enrolDevice(service, `fuzz-bodies-${randomUUID()}`);
  const revocableToken = await service.token(["reader"]);
  const targets = {
    serialNumbers: [
      device.serialNumber,
      (await service.context.issuingCa.current()).certificate.serialNumber.toLowerCase(),
    ],
    tokenIds: [decodeJwt(revocableToken).jti as string],
    estCredentialIds: [await estCredentialId(service)],
    blockedDevices: [await blockedDevice(service)],
  };
  expect(targets.tokenIds).not.toContain(decodeJwt(service.adminToken).jti);
  const params = paramValues(targets);
  // A prefix of this run's own: keys recorded by an earlier run (or file) would replay here.
  const keyPrefix = randomUUID();
  // Mostly none; a few keys of this run, used again and again (replays, conflicts); malformed ones.
  const idempotencyKey = fc.oneof(
    { weight: 3, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.constantFrom(...["a", "b", "c", "d"].map((name) => `${keyPrefix}-${name}`)) },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "k".repeat(256), "é") },
  );
  // The operations that must be seen succeeding are tried more often: few fuzzed bodies are valid
  // for them (issueCredentials: about one in nine), and a run must not miss them by chance.
  const operation = fc.oneof(
    ...POST_OPERATIONS.map((id) => ({
      weight: MUST_SUCCEED.includes(id) ? 4 : 1,
      arbitrary: fc.constant(id),
    })),
  );
  const request = operation.chain((operationId) =>
    fc.record({
      operationId: fc.constant(operationId),
      params: fc.record(
        Object.fromEntries(
          pathParameters(operations[operationId].path).map((name) => [
            name,
            params[name] as fc.Arbitrary<string>,
          ]),
        ),
      ),
      body: fuzzedBody(operations[operationId]),
      idempotencyKey,
    }),
  );

  const ledger = new Ledger(targets.blockedDevices);
  const issued = new IssuedCertificates();
  const outcomes = new Outcomes();
  await fc.assert(
    fc.asyncProperty(request, async ({ operationId, params: values, body, idempotencyKey: key }) => {
      const operation: OperationDefinition = operations[operationId];
      // `.` and `..` cannot travel as path segments (URL parsers resolve them); expandPath says so.
      if (Object.values(values).some((value) => value === "." || value === "..")) return;
      const headers: Record<string, string> = {};
      if (key !== null) headers["idempotency-key"] = key;
      const before = storedRows(service.dataDir);
      const answer = await call<IssuedCertificate>(`${service.url}${expandPath(operation.path, values)}`, {
        method: "POST",
        // Renewal authenticates with the proof in its body; everything else as the admin.
        ...(operation.authentication.kind === "bearer" && { token: service.adminToken }),
        body,
        headers,
      });
      const verdict = expectContractAnswer(answer, operation);
      outcomes.note(`${operationId} ${verdict}`);
      // The serial number as the service reads it: colons and case do not make another one.
      // A block names its device in the body; everything else in the path.
      const blockedInBody =
        operationId === "blockEstDevice" ? (body as { deviceId?: unknown } | null)?.deviceId : undefined;
      const target =
        values.serialNumber?.toLowerCase().replaceAll(":", "") ??
        values.tokenId ??
        values.id ??
        values.deviceId ??
        (typeof blockedInBody === "string" ? blockedInBody : "");
      const validKey = key !== null && /^[\x21-\x7e]{1,255}$/.test(key) ? key : undefined;
      expect(rowsAdded(before, storedRows(service.dataDir)), `${operationId} answered ${verdict}`).toEqual(
        ledger.expected(operationId, verdict, validKey, target),
      );
      if (verdict === "success" && ISSUING_OPERATIONS.has(operationId)) issued.add(answer.body);
      if (verdict === "success" && operationId === "issueCredentials") {
        expectKeyOfCertificate(answer.body as unknown as IssuedCredentials);
      }
    }),
    fuzzParameters(runs),
  );
  // Each operation must both refuse and, where a fuzzed body can make it, succeed.
  outcomes.expectSeen(
    [...POST_OPERATIONS.map((id) => `${id} invalid_request`), ...MUST_SUCCEED.map((id) => `${id} success`)],
    runs,
    200,
  );
  expect(bodyFieldsOf(operations.issueCertificate)).toContain("csr");
  await issued.expectOpensslVerifies(service, dataDir);
});

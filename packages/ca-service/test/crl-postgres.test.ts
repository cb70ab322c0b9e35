import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishCrl } from "../src/app/publish-crl.js";
import { fetchCrl, issueDevice, opensslSerial } from "./support/crl.js";
import { opensslCsr, type TempDir, tempDir } from "./support/openssl.js";
import { call, startTestService, type TestService } from "./support/service.js";

// A throw-away database on the local PostgreSQL (trust auth), created here and dropped after.
const SERVER = "postgres://postgres@127.0.0.1:5432";
const database = `edge_pki_crl_${randomBytes(6).toString("hex")}`;

let replicaA: TestService;
let replicaB: TestService;
let dir: TempDir;

async function admin(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: `${SERVER}/postgres` });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await admin(`create database ${database}`);
  dir = await tempDir();
  const env = { EDGE_PKI_STORE: "postgres", EDGE_PKI_DATABASE_URL: `${SERVER}/${database}` };
  replicaA = await startTestService({ env });
  // Same CA material, same store: a second replica of one CA.
  replicaB = await startTestService({ env, dataDir: replicaA.dataDir });
});

afterAll(async () => {
  await replicaB?.stop();
  await replicaA?.dispose();
  await dir?.remove();
  await admin(`drop database if exists ${database} with (force)`);
});

async function issueAndRevoke(replica: TestService, deviceId: string): Promise<string> {
  const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  const { serialNumber } = await issueDevice(replica, dir, deviceId, csrPem);
  const revoked = await call(`${replica.url}/v1/certificates/${serialNumber}/revoke`, {
    token: replica.adminToken,
    body: { reason: "keyCompromise" },
  });
  expect(revoked.status).toBe(200);
  return serialNumber;
}

describe("CRL numbers with replicas sharing PostgreSQL", () => {
  it("increase across replicas, and every replica serves the newest CRL", async () => {
    const first = await issueAndRevoke(replicaA, "pg-replica-a");
    const fromA = await fetchCrl(replicaA.url, dir, "pg-a.pem");
    const second = await issueAndRevoke(replicaB, "pg-replica-b");
    const fromB = await fetchCrl(replicaB.url, dir, "pg-b.pem");
    expect(fromB.crlNumber).toBeGreaterThan(fromA.crlNumber);
    // A revocation made on B is in what A serves: the CRL lives in the shared store.
    const fromAAgain = await fetchCrl(replicaA.url, dir, "pg-a-again.pem");
    expect(fromAAgain.pem).toBe(fromB.pem);
    for (const serialNumber of [first, second])
      expect(fromAAgain.text).toContain(opensslSerial(serialNumber));
  });

  it("allocates distinct, increasing numbers when both replicas sign at once, and keeps the highest", async () => {
    const before = (await fetchCrl(replicaA.url, dir, "pg-before.pem")).crlNumber;
    const published = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        publishCrl((index % 2 === 0 ? replicaA : replicaB).context, "issuing-ca"),
      ),
    );
    const numbers = published.map((crl) => crl.crlNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.min(...numbers)).toBeGreaterThan(before);
    const { crl } = await replicaB.context.store.latestCrl("issuing-ca");
    expect(crl?.crlNumber).toBe(Math.max(...numbers));
  });

  it("keep increasing after a replica restarts", async () => {
    const before = (await fetchCrl(replicaB.url, dir, "pg-restart-before.pem")).crlNumber;
    replicaA = await replicaA.restart();
    await issueAndRevoke(replicaA, "pg-after-restart");
    expect((await fetchCrl(replicaA.url, dir, "pg-restart-after.pem")).crlNumber).toBeGreaterThan(before);
  });
});

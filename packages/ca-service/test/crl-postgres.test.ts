import { describe, expect } from "vitest";
import { publishCrl } from "../src/app/publish-crl.js";
import { withCurrentCa as withCa } from "../src/http/current-ca.js";
import { fetchCrl, issueDevice, opensslSerial, revoke } from "./support/crl.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr, type TempDir } from "./support/openssl.js";
import type { TestService } from "./support/service.js";

// Two replicas of one CA (same CA material, same PostgreSQL store): `service` and `replica`.
test.override("serviceOptions", ({ postgres }) => ({ env: postgres.env }));

async function issueAndRevoke(replica: TestService, dir: TempDir, deviceId: string): Promise<string> {
  const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  const { serialNumber } = await issueDevice(replica, dir, deviceId, csrPem);
  expect((await revoke(replica, serialNumber, { reason: "keyCompromise" })).status).toBe(200);
  return serialNumber;
}

describe("CRL numbers with replicas sharing PostgreSQL", () => {
  it("increase across replicas, and every replica serves the newest CRL", async ({
    service: replicaA,
    replica: replicaB,
    dataDir,
  }) => {
    const first = await issueAndRevoke(replicaA, dataDir, "pg-replica-a");
    const fromA = await fetchCrl(replicaA.url, dataDir, "pg-a.pem");
    const second = await issueAndRevoke(replicaB, dataDir, "pg-replica-b");
    const fromB = await fetchCrl(replicaB.url, dataDir, "pg-b.pem");
    expect(fromB.crlNumber).toBeGreaterThan(fromA.crlNumber);
    // A revocation made on B is in what A serves: the CRL lives in the shared store.
    const fromAAgain = await fetchCrl(replicaA.url, dataDir, "pg-a-again.pem");
    expect(fromAAgain.pem).toBe(fromB.pem);
    for (const serialNumber of [first, second])
      expect(fromAAgain.text).toContain(opensslSerial(serialNumber));
  });

  it("allocates distinct, increasing numbers when both replicas sign at once, and keeps the highest", async ({
    service: replicaA,
    replica: replicaB,
    dataDir,
  }) => {
    const before = (await fetchCrl(replicaA.url, dataDir, "pg-before.pem")).crlNumber;
    const published = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        withCa((index % 2 === 0 ? replicaA : replicaB).context).then((deps) =>
          publishCrl(deps, "issuing-ca"),
        ),
      ),
    );
    const numbers = published.map((crl) => crl.crlNumber);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(Math.min(...numbers)).toBeGreaterThan(before);
    const { crl } = await replicaB.context.store.latestCrl("issuing-ca");
    expect(crl?.crlNumber).toBe(Math.max(...numbers));
  });

  it("keep increasing after a replica restarts", async ({
    service: replicaA,
    replica: replicaB,
    dataDir,
  }) => {
    const before = (await fetchCrl(replicaB.url, dataDir, "pg-restart-before.pem")).crlNumber;
    await replicaA.restart();
    await issueAndRevoke(replicaA, dataDir, "pg-after-restart");
    expect((await fetchCrl(replicaA.url, dataDir, "pg-restart-after.pem")).crlNumber).toBeGreaterThan(before);
  });
});

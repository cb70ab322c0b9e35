import { describe, expect } from "vitest";
import { publishCrl } from "../src/app/publish-crl.js";
import { withCurrentCa as withCa } from "../src/http/current-ca.js";
import { fetchCrl, issueDevice, opensslSerial, revoke } from "./support/crl.js";
import { it, test } from "./support/fixtures.js";
import { opensslCsr, type TempDir } from "./support/openssl.js";

// Replicas of one CA (same CA material, same PostgreSQL store): `service` in this process, and
// `replicas`, two `edge-pki-ca start` processes; `replica`, in this process too, where a test signs
// through two replicas' own contexts.
test.override("serviceOptions", ({ postgres }) => ({ env: postgres.env }));

/** Who a test talks to: a replica's address, and the admin token of the deployment. */
type Target = { url: string; adminToken: string };

async function issueAndRevoke(target: Target, dir: TempDir, deviceId: string): Promise<string> {
  const { csrPem } = await opensslCsr(dir, `/CN=${deviceId}`);
  const { serialNumber } = await issueDevice(target, dir, deviceId, csrPem);
  expect((await revoke(target, serialNumber, { reason: "keyCompromise" })).status).toBe(200);
  return serialNumber;
}

describe("CRL numbers with three replicas sharing PostgreSQL", () => {
  it("increase across replicas, and every replica serves the newest CRL", async ({
    service,
    replicas,
    dataDir,
  }) => {
    const targets: Target[] = [
      service,
      ...replicas.map(({ url }) => ({ url, adminToken: service.adminToken })),
    ];
    const serials: string[] = [];
    let previous = 0;
    for (const [index, target] of targets.entries()) {
      serials.push(await issueAndRevoke(target, dataDir, `pg-replica-${index}`));
      const served = await fetchCrl(target.url, dataDir, `pg-${index}.pem`);
      expect(served.crlNumber).toBeGreaterThan(previous);
      previous = served.crlNumber;
    }
    // Revocations made on each are in what all serve: the CRL lives in the shared store.
    const newest = await fetchCrl(targets[0]?.url as string, dataDir, "pg-newest.pem");
    for (const [index, target] of targets.entries()) {
      expect((await fetchCrl(target.url, dataDir, `pg-again-${index}.pem`)).pem).toBe(newest.pem);
    }
    for (const serialNumber of serials) expect(newest.text).toContain(opensslSerial(serialNumber));
  });

  it("revocations at once on every replica all land on the CRL every replica serves", async ({
    service,
    replicas,
    dataDir,
  }) => {
    const targets: Target[] = [
      service,
      ...replicas.map(({ url }) => ({ url, adminToken: service.adminToken })),
    ];
    const before = (await fetchCrl(service.url, dataDir, "pg-race-before.pem")).crlNumber;
    const issued = await Promise.all(
      Array.from({ length: 9 }, async (_, index) => {
        const target = targets[index % targets.length] as Target;
        const { csrPem } = await opensslCsr(dataDir, `/CN=pg-race-${index}`);
        return { target, ...(await issueDevice(target, dataDir, `pg-race-${index}`, csrPem)) };
      }),
    );
    // Each revocation re-signs the CRL on its replica: nine signings race on one CRL number sequence.
    const revoked = await Promise.all(
      issued.map(({ target, serialNumber }) => revoke(target, serialNumber, { reason: "superseded" })),
    );
    expect(revoked.map((answer) => answer.status)).toEqual(issued.map(() => 200));
    const served = await Promise.all(
      targets.map((target, index) => fetchCrl(target.url, dataDir, `pg-race-after-${index}.pem`)),
    );
    for (const crl of served) {
      expect(crl.pem).toBe(served[0]?.pem);
      expect(crl.crlNumber).toBeGreaterThan(before);
      for (const { serialNumber } of issued) expect(crl.text).toContain(opensslSerial(serialNumber));
    }
  });

  it("allocates distinct, increasing numbers when two replicas sign at once, and keeps the highest", async ({
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

  it("keep increasing after a replica process restarts", async ({ service, replicas, dataDir }) => {
    const restarted = replicas[0];
    if (restarted === undefined) throw new Error("no replica process");
    const before = (await fetchCrl(service.url, dataDir, "pg-restart-before.pem")).crlNumber;
    await restarted.restart();
    const target = { url: restarted.url, adminToken: service.adminToken };
    await issueAndRevoke(target, dataDir, "pg-after-restart");
    expect((await fetchCrl(restarted.url, dataDir, "pg-restart-after.pem")).crlNumber).toBeGreaterThan(
      before,
    );
  });
});

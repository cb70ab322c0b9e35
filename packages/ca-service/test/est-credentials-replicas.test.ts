import { describe, expect } from "vitest";
import {
  basic,
  createEstCredential,
  estBasicHandlers,
  estBasicTable,
  revokeEstCredential,
} from "./support/est-basic.js";
import { test } from "./support/fixtures.js";
import { serveOperations } from "./support/operations-app.js";
import { call } from "./support/service.js";

// Two replicas on one PostgreSQL database, on the system clock: a revocation on one must reach the
// other through the store, as it would across pods.
test.override("serviceOptions", ({ postgres }) => ({ env: postgres.env }));

// The Basic operation served over the replica's context: its own verifier, cache and revocation list.
const it = test.extend("onReplica", async ({ replica }, { onCleanup }) => {
  const server = await serveOperations(replica.context, estBasicTable, estBasicHandlers);
  onCleanup(() => server.close());
  return server;
});

describe("EST credentials across replicas sharing PostgreSQL", () => {
  it("a credential created on one replica works on the other; revoked there, the other refuses it within seconds", async ({
    service,
    onReplica,
  }) => {
    const created = await createEstCredential(service, { username: "fleet-r", devicePrefix: "fleet-r-" });
    const enroll = () =>
      call(`${onReplica.url}/test/est/fleet-r-1`, { headers: basic("fleet-r", created.password) });
    // Verified there, and so remembered there.
    expect((await enroll()).status).toBe(200);
    await revokeEstCredential(service, created.id);
    await expect.poll(async () => (await enroll()).status, { timeout: 15_000, interval: 250 }).toBe(401);
    const refused = await enroll();
    expect(refused.problem.detail).toBe("the EST credential has been revoked");
    expect(refused.headers.get("www-authenticate")).toMatch(/^Basic realm="edge-pki EST"/);
  });
});

import type { EstDeviceBlock, EstDeviceBlockList } from "@edge-pki/api-contract";
import { expect } from "vitest";
import { csr, curl, enroll, testWithEst } from "./support/est.js";
import { createEstCredential } from "./support/est-basic.js";
import type { OpenApiDocument } from "./support/openapi.js";
import { call } from "./support/service.js";

/**
 * Cutting one device off EST: a manufacturer's bootstrap certificate cannot be revoked, so an admin
 * blocks the device, and no credential (that certificate, the device's EST identity, a Basic
 * password) enrols or re-enrols it until the block is lifted. Driven by curl over real TLS.
 */
const EST_IDENTITY = ["extendedKeyUsage=clientAuth"];
const BLOCKED = /^the device edge-2 is blocked from EST enrolment/i;

testWithEst(
  "a blocked device enrols nothing with any credential, until the block is lifted",
  async ({ est, service }) => {
    const admin = { token: service.adminToken };
    // Before the block: an EST identity from the bootstrap certificate, and a fleet password.
    expect(
      (await enroll(est, "id-edge-2", "simpleenroll", "boot-edge-2", "/CN=edge-2", EST_IDENTITY)).status,
    ).toBe(200);
    const fleet = await createEstCredential(service, { username: "edge-fleet", devicePrefix: "edge-" });
    const basic = `${fleet.username}:${fleet.password}`;

    const blocked = await call<EstDeviceBlock>(`${service.url}/v1/est/blocked-devices`, {
      ...admin,
      body: { deviceId: "EDGE-2", reason: "reported stolen" },
    });
    expect(blocked.status, blocked.text).toBe(200);
    expect(blocked.body).toEqual({
      deviceId: "EDGE-2",
      reason: "reported stolen",
      blockedAt: expect.any(String),
      blockedBy: "token:local-admin",
    });

    const refusals = {
      bootstrap: await enroll(est, "b1", "simpleenroll", "boot-edge-2", "/CN=edge-2", EST_IDENTITY),
      identity: await enroll(est, "b2", "simpleenroll", "id-edge-2", "/CN=edge-2"),
      reenroll: await enroll(est, "b3", "simplereenroll", "id-edge-2", "/CN=edge-2", EST_IDENTITY),
      basic: await curl(est, "simpleenroll", { body: csr(est, "b4", "/CN=Edge-2"), basic }),
    };
    for (const [credential, answer] of Object.entries(refusals)) {
      expect(answer.status, credential).toBe(403);
      expect(answer.body, credential).toMatch(BLOCKED);
    }
    // Other devices are not touched.
    expect(
      (await enroll(est, "id-edge-1", "simpleenroll", "boot-edge-1", "/CN=edge-1", EST_IDENTITY)).status,
    ).toBe(200);
    expect((await curl(est, "simpleenroll", { body: csr(est, "b5", "/CN=edge-3"), basic })).status).toBe(200);
    // Nothing was issued to the blocked device after its block.
    const records = await service.context.store.listByDevice("edge-2", { limit: 10 });
    expect(records.filter((record) => record.issuedAt >= new Date(blocked.body.blockedAt))).toEqual([]);

    const listed = await call<EstDeviceBlockList>(`${service.url}/v1/est/blocked-devices`, admin);
    expect(listed.body).toEqual({ items: [blocked.body], next: null });
    const found = await call<EstDeviceBlock>(`${service.url}/v1/est/blocked-devices/Edge-2`, admin);
    expect(found.body).toEqual(blocked.body);

    const lifted = await call<EstDeviceBlock>(`${service.url}/v1/est/blocked-devices/edge-2/unblock`, {
      ...admin,
      method: "POST",
    });
    expect(lifted.status, lifted.text).toBe(200);
    expect(lifted.body).toEqual(blocked.body);
    expect((await enroll(est, "b6", "simpleenroll", "boot-edge-2", "/CN=edge-2", EST_IDENTITY)).status).toBe(
      200,
    );
    const again = await call(`${service.url}/v1/est/blocked-devices/edge-2/unblock`, {
      ...admin,
      method: "POST",
    });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({
      code: "not_found",
      detail: "the device edge-2 is not blocked from EST",
    });

    expect((await call(`${service.url}/v1/est/blocked-devices/edge-2`, admin)).status).toBe(404);

    // Audited: the block with its reason, the refusals, the lift naming the block it lifted.
    const audit = await service.context.store.listAudit({ limit: 1000 });
    const actions = (action: string) =>
      audit.filter((entry) => entry.action === action && entry.target?.toLowerCase() === "edge-2");
    expect(actions("est-device.block")).toEqual([
      expect.objectContaining({ actor: "token:local-admin", details: { reason: "reported stolen" } }),
    ]);
    expect(actions("est-device.unblock")).toEqual([
      expect.objectContaining({
        target: "EDGE-2",
        details: {
          reason: "reported stolen",
          blockedAt: blocked.body.blockedAt,
          blockedBy: "token:local-admin",
        },
      }),
    ]);
    expect(
      audit.filter((entry) => String(entry.details?.reason).includes("is blocked from EST enrolment")).length,
    ).toBeGreaterThanOrEqual(4);
  },
);

testWithEst("blocking a blocked device keeps the first block", async ({ service }) => {
  const block = (body: Record<string, unknown>) =>
    call<EstDeviceBlock>(`${service.url}/v1/est/blocked-devices`, { token: service.adminToken, body });
  const first = await block({ deviceId: "line7-0100" });
  expect(first.status).toBe(200);
  expect(first.body.reason).toBeNull();
  const second = await block({ deviceId: "LINE7-0100", reason: "again" });
  expect(second.status).toBe(200);
  expect(second.body).toEqual(first.body);
});

testWithEst(
  "bad input gets 400 naming the field; only an admin may block, list or lift",
  async ({ service }) => {
    const url = `${service.url}/v1/est/blocked-devices`;
    const admin = { token: service.adminToken };
    const bad = async (body: unknown) => {
      const answer = await call<{ code: string; errors?: { field: string }[] }>(url, { ...admin, body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.headers.get("content-type")).toContain("application/problem+json");
      return answer.body.errors?.map((error) => error.field);
    };
    expect(await bad({})).toEqual(["deviceId"]);
    expect(await bad({ deviceId: "has space" })).toEqual(["deviceId"]);
    expect(await bad({ deviceId: ".." })).toEqual(["deviceId"]);
    expect(await bad({ deviceId: "ok-1", reason: "x".repeat(201) })).toEqual(["reason"]);
    // Text that prints as it reads: no control or format characters (U+202E reverses what a terminal
    // shows, U+200B hides), no unpaired surrogate (JSON readers of the audit log refuse it), not blank.
    for (const reason of ["line\nbreak", "a\u202eb", "a\u200bb", "a\ud800b", "   ", ""]) {
      expect(await bad({ deviceId: "ok-1", reason }), JSON.stringify(reason)).toEqual(["reason"]);
    }
    expect(await bad({ deviceId: "ok-1", until: "tomorrow" })).toEqual(["until"]);
    expect((await call(`${url}/not%20an%20id/unblock`, { ...admin, method: "POST" })).status).toBe(400);
    expect((await call(`${url}?limit=0`, admin)).status).toBe(400);
    for (const after of ["not a cursor!", "bm90IGpzb24", Buffer.from('["x","y"]').toString("base64url")]) {
      const answer = await call<{ errors?: { field: string }[] }>(
        `${url}?after=${encodeURIComponent(after)}`,
        admin,
      );
      expect(answer.status, after).toBe(400);
      expect(
        answer.body.errors?.map((error) => error.field),
        after,
      ).toEqual(["after"]);
    }
    expect((await call(`${url}/not%20an%20id`, admin)).status).toBe(400);

    const reader = await service.token(["reader"], { subject: "block-reader" });
    const issuer = await service.token(["issuer"], { subject: "block-issuer" });
    for (const token of [reader, issuer]) {
      expect((await call(url, { token, body: { deviceId: "ok-2" } })).status).toBe(403);
      expect((await call(url, { token })).status).toBe(403);
      expect((await call(`${url}/ok-2/unblock`, { token, method: "POST" })).status).toBe(403);
      expect((await call(`${url}/ok-2`, { token })).status).toBe(403);
    }
    expect((await call(url, { body: { deviceId: "ok-2" } })).status).toBe(401);
    expect(await service.context.store.findEstDeviceBlock("ok-1")).toBeUndefined();
    expect(await service.context.store.findEstDeviceBlock("ok-2")).toBeUndefined();
  },
);

testWithEst("the list comes a page at a time, each block once, newest first", async ({ service }) => {
  const url = `${service.url}/v1/est/blocked-devices`;
  const admin = { token: service.adminToken };
  const devices = Array.from({ length: 7 }, (_, index) => `paged-${index}`);
  for (const deviceId of devices)
    expect((await call(url, { ...admin, body: { deviceId } })).status).toBe(200);
  const seen: EstDeviceBlock[] = [];
  let after: string | null = null;
  for (let page = 0; page < 20; page++) {
    const query: string = after === null ? "?limit=3" : `?limit=3&after=${after}`;
    const answer = await call<EstDeviceBlockList>(`${url}${query}`, admin);
    expect(answer.status).toBe(200);
    seen.push(...answer.body.items);
    after = answer.body.next;
    if (after === null) break;
  }
  const paged = seen.map((block) => block.deviceId).filter((deviceId) => deviceId.startsWith("paged-"));
  expect([...paged].sort()).toEqual(devices);
  expect(new Set(seen.map((block) => block.deviceId)).size).toBe(seen.length);
  const times = seen.map((block) => block.blockedAt);
  expect(times).toEqual([...times].sort().reverse());
});

testWithEst("the OpenAPI document has the four operations, for est-devices:block", async ({ service }) => {
  const { body } = await call<OpenApiDocument>(`${service.url}/openapi.json`);
  const operations = [
    body.paths["/v1/est/blocked-devices"]?.post,
    body.paths["/v1/est/blocked-devices"]?.get,
    body.paths["/v1/est/blocked-devices/{deviceId}"]?.get,
    body.paths["/v1/est/blocked-devices/{deviceId}/unblock"]?.post,
  ];
  for (const operation of operations) {
    expect(operation?.security).toEqual([{ bearer: [] }]);
    expect(operation?.["x-required-permission"]).toBe("est-devices:block");
  }
  expect(body.components.schemas.EstDeviceBlock).toBeDefined();
});

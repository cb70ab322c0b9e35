import { join } from "node:path";
import type { EstDeviceBlock } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { EdgePkiClient, NotFoundError, PermissionDeniedError } from "../src/index.js";
import { runEdgePki } from "./support/edge-pki-cli.js";
import { test } from "./support/fixtures.js";

describe("EST device blocks through the SDK", () => {
  test("blocks a device (again: the same block), lists it, lifts it; a second lift is NotFoundError", async ({
    ca,
  }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const blocked = await admin.blockEstDevice({ deviceId: "Sdk-Stolen-1", reason: "reported stolen" });
    expect(blocked).toEqual({
      deviceId: "Sdk-Stolen-1",
      reason: "reported stolen",
      blockedAt: expect.any(String),
      blockedBy: "token:local-admin",
    });
    expect(await admin.blockEstDevice({ deviceId: "sdk-stolen-1" })).toEqual(blocked);
    expect((await admin.listBlockedEstDevices({ limit: 10 })).items).toContainEqual(blocked);
    expect(await admin.getEstDeviceBlock("SDK-STOLEN-1")).toEqual(blocked);
    expect(await admin.unblockEstDevice("SDK-STOLEN-1")).toEqual(blocked);
    await expect(admin.getEstDeviceBlock("sdk-stolen-1")).rejects.toBeInstanceOf(NotFoundError);
    const again = await admin.unblockEstDevice("sdk-stolen-1").catch((error: unknown) => error);
    expect(again).toBeInstanceOf(NotFoundError);
    expect(again).toMatchObject({ status: 404, problem: { code: "not_found" } });

    const issuer = new EdgePkiClient({
      baseUrl: ca.url,
      credential: await ca.token("issuer", { subject: "sdk-block-issuer" }),
    });
    await expect(issuer.blockEstDevice({ deviceId: "sdk-stolen-2" })).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    await expect(issuer.listBlockedEstDevices()).rejects.toBeInstanceOf(PermissionDeniedError);
  });

  test("pages: next until null, each block once", async ({ ca }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const devices = ["sdk-page-1", "sdk-page-2", "sdk-page-3", "sdk-page-4", "sdk-page-5"];
    for (const deviceId of devices) await admin.blockEstDevice({ deviceId });
    const seen: string[] = [];
    let page = await admin.listBlockedEstDevices({ limit: 2 });
    for (let pages = 1; ; pages++) {
      seen.push(...page.items.map((block) => block.deviceId));
      if (page.next === null || pages > 20) break;
      page = await admin.listBlockedEstDevices({ limit: 2, after: page.next });
    }
    expect(seen.filter((deviceId) => deviceId.startsWith("sdk-page-")).sort()).toEqual(devices);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe("edge-pki est-device", () => {
  test("block, list (text and --json), unblock; bad input is one line and exit 2 before any request", async ({
    ca,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN_FILE: join(ca.dataDir, "admin.token") };
    const blocked = await runEdgePki(
      ["est-device", "block", "cli-stolen-1", "--reason", "lost in transit"],
      env,
    );
    expect(blocked.code, blocked.stderr).toBe(0);
    expect(blocked.stdout).toMatch(/^blocked cli-stolen-1 from EST \(since \d{4}-\d\d-\d\dT[\d:.]+Z\)\n$/);

    const listed = await runEdgePki(["est-device", "list"], env);
    expect(listed.stdout).toMatch(/^cli-stolen-1 {2}\S+ {2}token:local-admin {2}lost in transit$/m);
    const json = await runEdgePki(["est-device", "list", "--json"], env);
    expect(JSON.parse(json.stdout) as EstDeviceBlock[]).toContainEqual(
      expect.objectContaining({ deviceId: "cli-stolen-1", reason: "lost in transit" }),
    );

    const shown = await runEdgePki(["est-device", "show", "CLI-Stolen-1"], env);
    expect(shown.stdout).toMatch(/^cli-stolen-1 {2}\S+ {2}token:local-admin {2}lost in transit\n$/);

    expect(await runEdgePki(["est-device", "unblock", "CLI-STOLEN-1"], env)).toMatchObject({
      code: 0,
      stdout: "unblocked cli-stolen-1: it may enrol over EST again\n",
    });
    const notBlocked = await runEdgePki(["est-device", "unblock", "cli-stolen-1"], env);
    expect(notBlocked.code).toBe(1);
    expect(notBlocked.stderr.trim().split("\n")).toHaveLength(1);
    expect(notBlocked.stderr).toContain("the device cli-stolen-1 is not blocked from EST");

    for (const [args, message] of [
      [["est-device", "block", "has space"], 'device ID "has space" is not valid'],
      [
        ["est-device", "block", "ok-1", "--reason", "x".repeat(201)],
        "--reason must be 1 to 200 printable characters",
      ],
      [
        ["est-device", "block", "ok-1", "--reason", "two\nlines"],
        "--reason must be 1 to 200 printable characters",
      ],
      [
        ["est-device", "block", "ok-1", "--reason", "a\u202eb"],
        "--reason must be 1 to 200 printable characters",
      ],
      [["est-device", "show", "has space"], 'device ID "has space" is not valid'],
      [["est-device", "list", "--limit", "0"], "--limit must be a whole number from 1 to 1000"],
      [["est-device", "unblock"], "missing required argument"],
    ] as const) {
      // No URL needed: refused before any request.
      const refused = await runEdgePki([...args], {});
      expect(refused.code, args.join(" ")).toBe(2);
      expect(refused.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(refused.stderr, args.join(" ")).toContain(message);
    }
  });
});

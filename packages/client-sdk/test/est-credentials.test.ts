import { join } from "node:path";
import type { EstCredential } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { ConflictError, EdgePkiClient, PermissionDeniedError } from "../src/index.js";
import { runEdgePki } from "./support/edge-pki-cli.js";
import { test } from "./support/fixtures.js";

describe("EST credentials through the SDK", () => {
  test("creates one (its password once), lists it without, revokes it; a taken name is a typed conflict", async ({
    ca,
  }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const created = await admin.createEstCredential({ username: "sdk-fleet", devicePrefix: "sdk-" });
    expect(created).toMatchObject({
      username: "sdk-fleet",
      devicePrefix: "sdk-",
      deviceId: null,
      status: "live",
    });
    expect(created.password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const { items } = await admin.listEstCredentials({ limit: 10 });
    const { password, ...record } = created;
    expect(items).toContainEqual(record);
    expect(JSON.stringify(items)).not.toContain(password);

    const taken = await admin
      .createEstCredential({ username: "SDK-FLEET", deviceId: "sdk-1", password: "sixteen-chars!!!" })
      .catch((error: unknown) => error);
    expect(taken).toBeInstanceOf(ConflictError);
    expect(taken).toMatchObject({ status: 409, problem: { code: "est_username_taken" } });

    const revoked = await admin.revokeEstCredential(created.id);
    expect(revoked).toMatchObject({ id: created.id, status: "revoked", revokedBy: "token:local-admin" });
    // Revoking again is harmless, and the SDK may retry it without a key.
    expect(await admin.revokeEstCredential(created.id)).toEqual(revoked);

    const issuer = new EdgePkiClient({
      baseUrl: ca.url,
      credential: await ca.token("issuer", { subject: "sdk-est-issuer" }),
    });
    await expect(issuer.listEstCredentials()).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe("edge-pki est-credential", () => {
  test("create prints only the generated password; list shows it without; revoke", async ({ ca }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN_FILE: join(ca.dataDir, "admin.token") };
    const created = await runEdgePki(
      ["est-credential", "create", "cli-sdk-fleet", "--device-prefix", "cli-sdk-"],
      env,
    );
    expect(created.code, created.stderr).toBe(0);
    const password = created.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.stderr).toMatch(
      /^EST credential [0-9a-f]{32} for cli-sdk-fleet: may enroll prefix cli-sdk-\n$/,
    );

    const listed = await runEdgePki(["est-credential", "list", "--json"], env);
    const record = (JSON.parse(listed.stdout) as EstCredential[]).find(
      (item) => item.username === "cli-sdk-fleet",
    );
    expect(record).toMatchObject({
      devicePrefix: "cli-sdk-",
      status: "live",
      createdBy: "token:local-admin",
    });
    expect(listed.stdout).not.toContain(password);

    const revoked = await runEdgePki(["est-credential", "revoke", record?.id ?? ""], env);
    expect(revoked).toMatchObject({
      code: 0,
      stdout: `revoked EST credential ${record?.id} (username cli-sdk-fleet)\n`,
    });
  });
});

import { access, readdir } from "node:fs/promises";
import { join } from "node:path";
import { calculateJwkThumbprint, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestVault, type TestVault } from "./support/key-vault.js";
import { openssl, opensslCsr, type TempDir, tempDir } from "./support/openssl.js";
import { createThrowawayDatabase, type ThrowawayDatabase } from "./support/postgres.js";
import { call, startTestService, type TestService } from "./support/service.js";

/**
 * Two replicas as Azure would run them: one Key Vault, one PostgreSQL database, and a data folder
 * each (empty, as a fresh container's). The token-signing key lives in the vault, so both sign and
 * publish the same key.
 */
let vault: TestVault;
let database: ThrowawayDatabase;
let first: TestService;
let second: TestService;
let dir: TempDir;

beforeAll(async () => {
  vault = await startTestVault();
  database = await createThrowawayDatabase();
  const env = vault.env({ EDGE_PKI_STORE: "postgres", EDGE_PKI_DATABASE_URL: database.url });
  first = await startTestService({ env });
  second = await startTestService({ env });
  dir = await tempDir();
});

afterAll(async () => {
  await second?.dispose();
  await first?.dispose();
  await database?.drop();
  await vault?.stop();
  await dir?.remove();
});

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("the token-signing key in Key Vault, shared by replicas", () => {
  it("both replicas publish the same JWKS: kid is the RFC 7638 thumbprint, x5c the key's chain", async () => {
    const a = await call(`${first.url}/.well-known/jwks.json`);
    const b = await call(`${second.url}/.well-known/jwks.json`);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    const [key] = a.body.keys;
    const { kty, crv, x, y } = key;
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }));
    expect(key.x5c).toHaveLength(2);
    const certificatePath = await dir.file(
      "token-signer.pem",
      `-----BEGIN CERTIFICATE-----\n${key.x5c[0]}\n-----END CERTIFICATE-----\n`,
    );
    const rootPath = await dir.file("token-root.pem", first.context.ca.root.toString("pem"));
    expect(await openssl(["verify", "-CAfile", rootPath, certificatePath])).toContain(": OK");
    const text = await openssl(["x509", "-in", certificatePath, "-noout", "-text"]);
    expect(text).toContain("Subject: CN = Edge PKI Token Signer");
    expect(text).toContain("Issuer: CN = Edge PKI Root CA");
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE\n/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/);
    expect(text).not.toContain("Extended Key Usage");
    expect(text).toContain("ASN1 OID: prime256v1");
    expect((await vault.keys.getKey("edge-pki-token-signing")).key?.crv).toBe("P-256");
  });

  it("only the first start minted an admin token; each replica accepts it", async () => {
    expect(await exists(join(second.dataDir, "admin.token"))).toBe(false);
    expect(() => second.adminToken).toThrow("no admin.token");
    for (const replica of [first, second]) {
      expect((await call(`${replica.url}/v1/audit?limit=1`, { token: first.adminToken })).status).toBe(200);
    }
    const minted = (await first.context.store.listAudit({ limit: 1000 })).filter(
      (event) => event.action === "token.create" && event.actor === "edge-pki-ca (first start)",
    );
    expect(minted).toHaveLength(1);
    expect(decodeProtectedHeader(first.adminToken).kid).toBe(second.context.tokens.publicJwks().keys[0]?.kid);
  });

  it("no token key, passphrase or CA key exists in a replica's data folder", async () => {
    for (const replica of [first, second]) {
      expect(await exists(join(replica.dataDir, "key-passphrase"))).toBe(false);
      expect(await exists(join(replica.dataDir, "keys"))).toBe(false);
    }
    expect(await readdir(second.dataDir)).toEqual([]);
  });

  it("a bootstrap token minted on one replica is redeemed on the other, once", async () => {
    const minted = await call(`${first.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "kv-replica-boot" },
      token: first.adminToken,
    });
    expect(minted.status).toBe(201);
    const { csrPem } = await opensslCsr(dir, "/CN=kv-replica-boot");
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        call(`${(index % 2 === 0 ? second : first).url}/v1/certificates`, {
          body: { csr: csrPem },
          token: minted.body.token,
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(9).fill(401)]);
    expect(await first.context.store.listByDevice("kv-replica-boot", { limit: 10 })).toHaveLength(1);
  });

  it("an API token minted through one replica's key store works on the other", async () => {
    const reader = await second.token(["reader"], { subject: "kv-reader" });
    expect((await call(`${first.url}/v1/audit?limit=1`, { token: reader })).status).toBe(200);
  });
});

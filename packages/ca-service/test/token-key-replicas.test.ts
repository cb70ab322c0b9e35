import { access, readdir } from "node:fs/promises";
import { join } from "node:path";
import type { BootstrapToken } from "@edge-pki/api-contract";
import { calculateJwkThumbprint, decodeProtectedHeader, type JSONWebKeySet, type JWK } from "jose";
import { describe, expect } from "vitest";
import { redeemAtOnce } from "./support/bootstrap-tokens.js";
import { it, test } from "./support/fixtures.js";
import { openssl, opensslCsr } from "./support/openssl.js";
import { call } from "./support/service.js";

/**
 * Three replicas as Azure would run them: one Key Vault, one PostgreSQL database, and a data folder
 * each (empty, as a fresh container's). The token-signing key lives in the vault, so all sign and
 * publish the same key. `service` (in this process) started first, then `replicas`: two
 * `edge-pki-ca start` processes.
 */
test.override({ replicaDataDir: "own" });
test.override("serviceOptions", ({ vault, postgres }) => ({ env: vault.env(postgres.env) }));

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("the token-signing key in Key Vault, shared by replicas", () => {
  it("every replica publishes the same JWKS: kid is the RFC 7638 thumbprint, x5c the key's chain", async ({
    service: first,
    replicas,
    vault,
    dataDir: dir,
  }) => {
    const a = await call<JSONWebKeySet>(`${first.url}/.well-known/jwks.json`);
    expect(a.status).toBe(200);
    for (const replica of replicas) {
      expect((await call<JSONWebKeySet>(`${replica.url}/.well-known/jwks.json`)).body).toEqual(a.body);
    }
    expect(a.body.keys).toHaveLength(1);
    const key = a.body.keys[0] as JWK;
    const { kty, crv, x, y } = key;
    expect(key.kid).toBe(await calculateJwkThumbprint({ kty, crv, x, y }));
    expect(key.x5c).toHaveLength(2);
    const certificatePath = await dir.file(
      "token-signer.pem",
      `-----BEGIN CERTIFICATE-----\n${key.x5c?.[0]}\n-----END CERTIFICATE-----\n`,
    );
    const rootPath = await dir.file("token-root.pem", first.context.issuingCa.root.toString("pem"));
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

  it("only the first start minted an admin token; each replica accepts it", async ({
    service: first,
    replicas,
  }) => {
    for (const replica of replicas) expect(await exists(join(replica.dataDir, "admin.token"))).toBe(false);
    for (const replica of [first, ...replicas]) {
      expect((await call(`${replica.url}/v1/audit?limit=1`, { token: first.adminToken })).status).toBe(200);
    }
    const minted = (await first.context.store.listAudit({ limit: 1000 })).filter(
      (event) => event.action === "token.create" && event.actor === "edge-pki-ca (first start)",
    );
    expect(minted).toHaveLength(1);
    const jwks = await call<JSONWebKeySet>(`${replicas[1]?.url}/.well-known/jwks.json`);
    expect(decodeProtectedHeader(first.adminToken).kid).toBe(jwks.body.keys[0]?.kid);
  });

  it("no token key, passphrase or CA key exists in a replica's data folder", async ({
    service: first,
    replicas,
  }) => {
    for (const replica of [first, ...replicas]) {
      expect(await exists(join(replica.dataDir, "key-passphrase"))).toBe(false);
      expect(await exists(join(replica.dataDir, "keys"))).toBe(false);
    }
    for (const replica of replicas) expect(await readdir(replica.dataDir)).toEqual([]);
  });

  it("a bootstrap token minted on one replica is redeemed on another, once", async ({
    service: first,
    replicas,
    dataDir: dir,
  }) => {
    const minted = await call<BootstrapToken>(`${first.url}/v1/bootstrap-tokens`, {
      body: { deviceId: "kv-replica-boot" },
      token: first.adminToken,
    });
    expect(minted.status).toBe(201);
    const { csrPem } = await opensslCsr(dir, "/CN=kv-replica-boot");
    const responses = await redeemAtOnce([...replicas, first], minted.body.token, csrPem, 15);
    expect(responses.map((response) => response.status).sort()).toEqual([201, ...Array(14).fill(401)]);
    expect(await first.context.store.listByDevice("kv-replica-boot", { limit: 10 })).toHaveLength(1);
  });

  it("an API token minted through one replica's key store works on the others", async ({
    service: first,
    replicas,
  }) => {
    const reader = await first.token(["reader"], { subject: "kv-reader" });
    for (const replica of replicas) {
      expect((await call(`${replica.url}/v1/audit?limit=1`, { token: reader })).status).toBe(200);
    }
  });
});

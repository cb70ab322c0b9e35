import { constants, createHash, verify } from "node:crypto";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, startKeyVaultEmulator } from "../src/index.js";
import {
  caught,
  credential,
  cryptographyClient,
  keyClient,
  type PipelinePolicy,
  publicKeyOf,
} from "./helpers.js";

describe("Key Vault emulator: keys", () => {
  let emulator: KeyVaultEmulator;
  let keys: KeyClient;

  beforeAll(async () => {
    emulator = await startKeyVaultEmulator();
    keys = keyClient(emulator);
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it("answers the SDK's first, unauthenticated request with the bearer challenge and then accepts the token", async () => {
    const seen: { status: number; challenge: string | undefined; authorized: boolean }[] = [];
    const recorder: PipelinePolicy = {
      name: "recorder",
      sendRequest: async (request, next) => {
        const response = await next(request);
        seen.push({
          status: response.status,
          challenge: response.headers.get("www-authenticate"),
          authorized: request.headers.has("authorization"),
        });
        return response;
      },
    };
    const client = new KeyClient(emulator.url, credential, {
      disableChallengeResourceVerification: true,
      tlsOptions: { ca: emulator.caCertificatePem },
      additionalPolicies: [{ policy: recorder, position: "perRetry" }],
    });
    const created = await client.createKey("challenged", "EC");
    await client.getKey("challenged");

    expect(created.name).toBe("challenged");
    expect(seen[0]).toEqual({
      status: 401,
      challenge:
        'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"',
      authorized: false,
    });
    expect(seen.slice(1).map((s) => [s.status, s.authorized])).toEqual([
      [200, true],
      [200, true],
    ]);
  });

  it.each([
    ["P-256", "ES256", "sha256", 64],
    ["P-384", "ES384", "sha384", 96],
    ["P-521", "ES512", "sha512", 132],
  ] as const)("creates an EC %s key and signs %s as raw r||s", async (curve, alg, hash, length) => {
    const key = await keys.createEcKey(`ec-${curve.toLowerCase()}`, { curve });
    expect(key.keyType).toBe("EC");
    expect(key.key?.crv).toBe(curve);
    expect(key.keyOperations).toContain("sign");
    expect(key.id).toBe(`${emulator.url}/keys/ec-${curve.toLowerCase()}/${key.properties.version}`);

    const data = Buffer.from(`payload for ${alg}`);
    const { result, keyID } = await keys.getCryptographyClient(key.name).signData(alg, data);
    expect(keyID).toBe(key.id);
    expect(result).toHaveLength(length);
    expect(verify(hash, data, { key: publicKeyOf(key), dsaEncoding: "ieee-p1363" }, result)).toBe(true);
  });

  it.each([
    ["RS256", "sha256", constants.RSA_PKCS1_PADDING],
    ["RS384", "sha384", constants.RSA_PKCS1_PADDING],
    ["PS256", "sha256", constants.RSA_PKCS1_PSS_PADDING],
    ["PS384", "sha384", constants.RSA_PKCS1_PSS_PADDING],
  ] as const)("signs %s with an RSA key", async (alg, hash, padding) => {
    const key =
      (await keys.getKey("rsa").catch(() => undefined)) ??
      (await keys.createRsaKey("rsa", { keySize: 2048 }));
    expect(key.key?.n).toHaveLength(256);
    const data = Buffer.from(`payload for ${alg}`);
    const { result } = await keys.getCryptographyClient("rsa").signData(alg, data);
    const saltLength =
      padding === constants.RSA_PKCS1_PSS_PADDING ? createHash(hash).digest().length : undefined;
    expect(verify(hash, data, { key: publicKeyOf(key), padding, saltLength }, result)).toBe(true);
  });

  it("creates a new version on each create; the unversioned kid follows the latest, a versioned kid stays put", async () => {
    const first = await keys.createEcKey("rotating", { curve: "P-256" });
    const second = await keys.createEcKey("rotating", { curve: "P-256" });
    expect(second.properties.version).not.toBe(first.properties.version);
    expect((await keys.getKey("rotating")).id).toBe(second.id);
    expect((await keys.getKey("rotating", { version: first.properties.version })).id).toBe(first.id);

    const data = Buffer.from("rotation");
    const unversioned = cryptographyClient(emulator, `${emulator.url}/keys/rotating`);
    const pinned = cryptographyClient(emulator, first.id as string);
    const latest = await unversioned.signData("ES256", data);
    const old = await pinned.signData("ES256", data);
    expect(latest.keyID).toBe(second.id);
    expect(old.keyID).toBe(first.id);
    expect(verify("sha256", data, { key: publicKeyOf(first), dsaEncoding: "ieee-p1363" }, old.result)).toBe(
      true,
    );
    expect(
      verify("sha256", data, { key: publicKeyOf(second), dsaEncoding: "ieee-p1363" }, latest.result),
    ).toBe(true);
  });

  it("honours key_ops, exportable, tags and Unix-second attributes", async () => {
    const key = await keys.createKey("limited", "EC-HSM", {
      curve: "P-256",
      keyOps: ["verify"],
      exportable: false,
      tags: { purpose: "test" },
    });
    expect(key.keyType).toBe("EC-HSM");
    expect(key.keyOperations).toEqual(["verify"]);
    expect(key.properties.exportable).toBe(false);
    expect(key.properties.tags).toEqual({ purpose: "test" });
    expect(Math.abs((key.properties.createdOn?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    expect(key.properties.recoveryLevel).toBe("Recoverable+Purgeable");

    const error = await caught(() => keys.getCryptographyClient("limited").sign("ES256", new Uint8Array(32)));
    expect(error.message).toMatch(/sign/i);
  });

  it("rejects a digest of the wrong length and an algorithm that does not fit the key with 400 BadParameter", async () => {
    await keys.createEcKey("strict", { curve: "P-256" });
    const crypto = keys.getCryptographyClient("strict");
    const shortDigest = await caught(() => crypto.sign("ES256", new Uint8Array(31)));
    expect(shortDigest).toMatchObject({ statusCode: 400, code: "BadParameter" });
    const wrongCurve = await caught(() => crypto.sign("ES384", new Uint8Array(48)));
    expect(wrongCurve).toMatchObject({ statusCode: 400, code: "BadParameter" });
    const rsaOnEc = await caught(() => crypto.sign("RS256", new Uint8Array(32)));
    expect(rsaOnEc).toMatchObject({ statusCode: 400, code: "BadParameter" });
  });

  it("reports unknown keys and bad create parameters as RestErrors with Key Vault codes", async () => {
    const missing = await caught(() => keys.getKey("does-not-exist"));
    expect(missing).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    expect(missing.message).toContain("does-not-exist");

    const missingVersion = await caught(() =>
      keys.getKey("strict", { version: "0123456789abcdef0123456789abcdef" }),
    );
    expect(missingVersion).toMatchObject({ statusCode: 404, code: "KeyNotFound" });

    const badSize = await caught(() => keys.createRsaKey("bad-rsa", { keySize: 1024 }));
    expect(badSize).toMatchObject({ statusCode: 400, code: "BadParameter" });
    const badType = await caught(() => keys.createKey("bad-oct", "oct"));
    expect(badType).toMatchObject({ statusCode: 400, code: "BadParameter" });
  });

  it("serves plain http for debugging; the SDK (keyvault-common >= 2.1.1) refuses to answer the challenge over http", async () => {
    const plain = await startKeyVaultEmulator({ protocol: "http" });
    try {
      expect(plain.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(plain.caCertificatePem).toBeUndefined();
      const client = new KeyClient(plain.url, credential, {
        disableChallengeResourceVerification: true,
        allowInsecureConnection: true,
      });
      const error = await caught(() => client.createEcKey("plain", { curve: "P-256" }));
      expect(error.message).toBe("The request URL must use HTTPS.");
      expect(plain.stats).toMatchObject({ requests: 1, unauthorized: 1 });
    } finally {
      await plain.stop();
    }
  });

  it("counts requests, challenges and signatures", () => {
    const stats = emulator.stats;
    expect(stats.signs).toBeGreaterThanOrEqual(9);
    expect(stats.unauthorized).toBeGreaterThanOrEqual(2);
    expect(stats.requests).toBeGreaterThan(stats.signs);
    expect(stats.throttled).toBe(0);
    expect(stats.faults).toBe(0);
  });
});

import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { decodeJwt } from "jose";
import { describe, expect } from "vitest";
import { AuthenticationError, EdgePkiClient, PermissionDeniedError } from "../src/index.js";
import { test } from "./support/fixtures.js";

const run = promisify(execFile);

describe("the token registry through the SDK", () => {
  test("lists the tokens minted, revokes one, and the service then refuses it", async ({ ca }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const { items } = await admin.listTokens();
    const first = items.find((token) => token.subject === "local-admin");
    expect(first).toMatchObject({ roles: ["admin"], status: "live", revokedAt: null });
    expect(first?.tokenId).toBe(decodeJwt(ca.adminToken).jti);

    const reader = await ca.token("reader", { subject: "sdk-leaked-reader" });
    const leaked = new EdgePkiClient({ baseUrl: ca.url, credential: reader, maxRetries: 0 });
    await expect(leaked.listAudit({ limit: 1 })).resolves.toMatchObject({ items: expect.any(Array) });
    const revoked = await admin.revokeToken(decodeJwt(reader).jti as string);
    expect(revoked).toMatchObject({
      subject: "sdk-leaked-reader",
      status: "revoked",
      revokedBy: "token:local-admin",
    });
    // Revoking again is harmless, and the SDK may retry it without a key.
    expect(await admin.revokeToken(revoked.tokenId)).toEqual(revoked);
    await expect(leaked.listAudit({ limit: 1 })).rejects.toMatchObject({
      constructor: AuthenticationError,
      detail: "the token has been revoked",
    });
    await expect(leaked.listTokens()).rejects.toBeInstanceOf(AuthenticationError);
    const other = new EdgePkiClient({
      baseUrl: ca.url,
      credential: await ca.token("reader", { subject: "sdk-reader-2" }),
    });
    await expect(other.listTokens()).rejects.toBeInstanceOf(PermissionDeniedError);
  });
});

describe("the root's CRL through the SDK", () => {
  test("is the root's, as DER and as PEM, and openssl checks a device's whole chain with both CRLs", async ({
    ca,
    dir,
  }) => {
    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const identity = await admin.createDeviceIdentity("sdk-crl-device");
    const info = await admin.getCa();
    const files = {
      root: join(dir, "root.pem"),
      chain: join(dir, "chain.pem"),
      leaf: join(dir, "leaf.pem"),
      crl: join(dir, "crl.pem"),
      rootCrl: join(dir, "root-crl.pem"),
    };
    await writeFile(files.root, info.rootCertificatePem);
    await writeFile(files.chain, info.chainPem);
    await writeFile(files.leaf, identity.certificatePem);
    await writeFile(files.crl, await admin.getCrlPem());
    await writeFile(files.rootCrl, await admin.getRootCrlPem());
    expect((await admin.getRootCrl())[0]).toBe(0x30);
    const { stdout } = await run("openssl", ["crl", "-in", files.rootCrl, "-noout", "-issuer"]);
    expect(stdout).toContain("Root CA");
    const verified = await run("openssl", [
      "verify",
      "-crl_check_all",
      ...["-CRLfile", files.crl, "-CRLfile", files.rootCrl],
      ...["-CAfile", files.root, "-untrusted", files.chain, files.leaf],
    ]);
    expect(verified.stdout).toContain(": OK");
  });
});

import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hashPassword, PASSWORD_SALT_BYTES, verifyPassword } from "../src/crypto/password-hash.js";
import { openssl } from "./support/openssl.js";

const PHC = /^\$scrypt\$ln=15,r=8,p=1\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

describe("EST password hashes", () => {
  it("are scrypt as openssl computes it, in a self-describing PHC string with a salt of their own", async () => {
    const password = "line7:colons-and-ünïcode";
    const salt = randomBytes(PASSWORD_SALT_BYTES);
    const encoded = await hashPassword(password, salt);
    const [, saltPart, hashPart] = PHC.exec(encoded) ?? [];
    expect(Buffer.from(saltPart ?? "", "base64")).toEqual(salt);
    // An independent implementation: OpenSSL's SCRYPT KDF with the parameters the string names.
    const expected = await openssl([
      "kdf",
      "-keylen",
      "32",
      "-kdfopt",
      `hexpass:${Buffer.from(password.normalize("NFC")).toString("hex")}`,
      "-kdfopt",
      `hexsalt:${salt.toString("hex")}`,
      "-kdfopt",
      "n:32768",
      "-kdfopt",
      "r:8",
      "-kdfopt",
      "p:1",
      "-kdfopt",
      "maxmem_bytes:67108864",
      "SCRYPT",
    ]);
    expect(Buffer.from(hashPart ?? "", "base64").toString("hex")).toBe(
      expected.trim().replaceAll(":", "").toLowerCase(),
    );
    expect(
      await hashPassword(password, randomBytes(PASSWORD_SALT_BYTES)),
      "another salt, another hash",
    ).not.toBe(encoded);
  });

  it("verify the right password only; a hash that is not ours, or asks for too much, verifies nothing", async () => {
    const encoded = await hashPassword("sixteen-chars!!!", randomBytes(PASSWORD_SALT_BYTES));
    expect(await verifyPassword("sixteen-chars!!!", encoded)).toBe(true);
    expect(await verifyPassword("sixteen-chars!!", encoded)).toBe(false);
    expect(await verifyPassword("Sixteen-chars!!!", encoded)).toBe(false);
    for (const tampered of [
      encoded.replace("ln=15", "ln=22"),
      encoded.replace("r=8", "r=16"),
      encoded.replace("p=1", "p=9"),
      encoded.replace("$scrypt$", "$argon2id$"),
      "sixteen-chars!!!",
      "",
    ]) {
      expect(await verifyPassword("sixteen-chars!!!", tampered), tampered).toBe(false);
    }
  });
});

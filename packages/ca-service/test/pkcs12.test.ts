import { execFile } from "node:child_process";
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createSecureContext } from "node:tls";
import { promisify } from "node:util";
import { buildPfx, derivePkcs12Key } from "@edge-pki/host-kit/pkcs";
import { describe, expect } from "vitest";
import { test } from "./support/fixtures.js";
import type { TempDir } from "./support/openssl.js";

const execFileAsync = promisify(execFile);

/** openssl with its stdout and stderr apart: PKCS#12 details are on stderr. Paths are absolute. */
async function openssl(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return execFileAsync("openssl", args, { encoding: "utf8" });
}

/** OpenSSL's failure message, or "" if the command succeeded. */
async function opensslError(args: string[]): Promise<string> {
  try {
    await openssl(args);
    return "";
  } catch (error) {
    return String((error as { stderr?: unknown }).stderr);
  }
}

type KeyKind = "P-256" | "P-384" | "RSA-2048";

function generateKey(kind: KeyKind): KeyObject {
  return kind === "RSA-2048"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
    : generateKeyPairSync("ec", { namedCurve: kind }).privateKey;
}

interface Chain {
  key: KeyObject;
  leaf: Buffer;
  ca: Buffer;
  leafKeyFile: string;
  leafFile: string;
  caFile: string;
}

/** A self-signed CA and a leaf it issued, both with keys of `kind`, written to `directory`. */
async function makeChain(directory: TempDir, kind: KeyKind, name: string): Promise<Chain> {
  const dir = directory.path;
  const caKey = generateKey(kind);
  const key = generateKey(kind);
  const caKeyFile = join(dir, `${name}-ca.key`);
  const leafKeyFile = join(dir, `${name}-leaf.key`);
  await writeFile(caKeyFile, caKey.export({ format: "pem", type: "pkcs8" }));
  await writeFile(leafKeyFile, key.export({ format: "pem", type: "pkcs8" }));
  const caFile = join(dir, `${name}-ca.pem`);
  const leafFile = join(dir, `${name}-leaf.pem`);
  await openssl([
    "req",
    "-x509",
    "-new",
    "-key",
    caKeyFile,
    "-subj",
    "/CN=Test CA",
    "-days",
    "1",
    "-out",
    caFile,
  ]);
  await openssl([
    ...["req", "-x509", "-new", "-key", leafKeyFile, "-subj", `/CN=${name}`, "-days", "1"],
    ...["-CA", caFile, "-CAkey", caKeyFile, "-out", leafFile],
  ]);
  const ca = new X509Certificate(await readFile(caFile)).raw;
  const leaf = new X509Certificate(await readFile(leafFile)).raw;
  return { key, leaf, ca, leafKeyFile, leafFile, caFile };
}

function pkcs8(key: KeyObject): Buffer {
  return key.export({ format: "der", type: "pkcs8" });
}

async function writePfx(directory: TempDir, name: string, pfx: Uint8Array): Promise<string> {
  return directory.file(`${name}.pfx`, pfx);
}

interface PemEntry {
  label: string;
  der: Buffer;
  localKeyId: string | undefined;
  friendlyName: string | undefined;
}

/** Splits `openssl pkcs12 -info -noenc` output into its PEM blocks with the bag attributes printed before each. */
function parseInfo(stdout: string): PemEntry[] {
  const entries: PemEntry[] = [];
  let previousEnd = 0;
  for (const match of stdout.matchAll(/-----BEGIN ([A-Z ]+)-----\n([\s\S]*?)-----END \1-----/g)) {
    const header = stdout.slice(previousEnd, match.index);
    previousEnd = match.index + match[0].length;
    entries.push({
      label: match[1] ?? "",
      der: Buffer.from(match[2] ?? "", "base64"),
      localKeyId: header
        .match(/localKeyID: ([0-9A-F ]+)/)?.[1]
        ?.replaceAll(" ", "")
        .toLowerCase(),
      friendlyName: header.match(/friendlyName: (.*)/)?.[1],
    });
  }
  return entries;
}

const sha1 = (bytes: Uint8Array): Buffer => createHash("sha1").update(bytes).digest();
const utf16be = (text: string): Buffer => Buffer.from(text, "utf16le").swap16();

// One chain for the validation tests, which only read it.
const it = test.extend("chain", { scope: "file" }, ({ dataDir }) =>
  makeChain(dataDir, "P-256", "validation"),
);

describe("buildPfx read back by OpenSSL 3", () => {
  const cases: { kind: KeyKind; friendlyName: string | undefined }[] = [
    { kind: "P-256", friendlyName: "device-01" },
    { kind: "P-384", friendlyName: "device-02" },
    { kind: "RSA-2048", friendlyName: undefined },
  ];

  it.for(cases)(
    "$kind key, leaf and CA round-trip with matching localKeyID",
    async ({ kind, friendlyName }, { dataDir }) => {
      const chain = await makeChain(dataDir, kind, `chain-${kind}`);
      const password = "correct horse battery staple";
      const file = await writePfx(
        dataDir,
        `ok-${kind}`,
        buildPfx({
          privateKeyPkcs8: pkcs8(chain.key),
          certificates: [chain.leaf, chain.ca],
          password,
          friendlyName,
        }),
      );

      const { stdout, stderr } = await openssl([
        "pkcs12",
        "-in",
        file,
        "-passin",
        `pass:${password}`,
        "-info",
        "-noenc",
      ]);

      // The MAC and both PBES2 layers use OpenSSL 3's default algorithms and iteration counts.
      expect(stderr).toContain("MAC: sha256, Iteration 2048\nMAC length: 32, salt length: 16");
      expect(stderr).toContain(
        "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256\nCertificate bag\nCertificate bag",
      );
      expect(stderr).toContain(
        "Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF hmacWithSHA256",
      );
      // OpenSSL falls back to a legacy password encoding with this warning; ours must verify directly.
      expect(stderr).not.toMatch(/warning|error/i);

      const entries = parseInfo(stdout);
      expect(entries.map((entry) => entry.label)).toEqual(["CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"]);
      const [leaf, ca, key] = entries as [PemEntry, PemEntry, PemEntry];
      expect(leaf.der.equals(chain.leaf)).toBe(true);
      expect(ca.der.equals(chain.ca)).toBe(true);
      expect(
        createPrivateKey({ key: key.der, format: "der", type: "pkcs8" }).export({ format: "jwk" }),
      ).toEqual(chain.key.export({ format: "jwk" }));

      expect(leaf.localKeyId).toBe(sha1(chain.leaf).toString("hex"));
      expect(key.localKeyId).toBe(leaf.localKeyId);
      expect(ca.localKeyId).toBeUndefined();
      expect(leaf.friendlyName).toBe(friendlyName);
      expect(key.friendlyName).toBe(friendlyName);
      expect(ca.friendlyName).toBeUndefined();
    },
  );

  it("writes the key bag attributes byte-for-byte like `openssl pkcs12 -export`", async ({ dataDir }) => {
    const chain = await makeChain(dataDir, "P-256", "attributes");
    const friendlyName = "gerät-密码";
    const referenceFile = join(dataDir.path, "attributes-reference.pfx");
    await openssl([
      ...["pkcs12", "-export", "-inkey", chain.leafKeyFile, "-in", chain.leafFile, "-certfile", chain.caFile],
      ...["-name", friendlyName, "-passout", "pass:pw", "-out", referenceFile],
    ]);
    const ours = Buffer.from(
      buildPfx({
        privateKeyPkcs8: pkcs8(chain.key),
        certificates: [chain.leaf, chain.ca],
        password: "pw",
        friendlyName,
      }),
    );

    // OpenSSL 3.0 prints BMPStrings lossily, so compare the DER: SET { friendlyName, localKeyID } in DER order.
    const tlv = (tag: number, ...parts: Buffer[]): Buffer => {
      const body = Buffer.concat(parts);
      expect(body.length).toBeLessThan(128);
      return Buffer.concat([Buffer.from([tag, body.length]), body]);
    };
    const attributes = tlv(
      0x31,
      tlv(0x30, Buffer.from("06092a864886f70d010914", "hex"), tlv(0x31, tlv(0x1e, utf16be(friendlyName)))),
      tlv(0x30, Buffer.from("06092a864886f70d010915", "hex"), tlv(0x31, tlv(0x04, sha1(chain.leaf)))),
    );
    expect((await readFile(referenceFile)).includes(attributes)).toBe(true);
    expect(ours.includes(attributes)).toBe(true);
  });

  it("fails the MAC check with a wrong password", async ({ dataDir }) => {
    const chain = await makeChain(dataDir, "P-256", "wrong-password");
    const file = await writePfx(
      dataDir,
      "wrong-password",
      buildPfx({ privateKeyPkcs8: pkcs8(chain.key), certificates: [chain.leaf], password: "right" }),
    );
    expect(await opensslError(["pkcs12", "-in", file, "-passin", "pass:right", "-noout"])).toBe("");
    expect(await opensslError(["pkcs12", "-in", file, "-passin", "pass:Right", "-noout"])).toContain(
      "Mac verify error: invalid password?",
    );
  });

  it("accepts a Unicode password (BMP and astral characters) given through a file", async ({ dataDir }) => {
    const chain = await makeChain(dataDir, "P-256", "unicode");
    const password = "pässwörd-密码-🔑";
    const file = await writePfx(
      dataDir,
      "unicode",
      buildPfx({ privateKeyPkcs8: pkcs8(chain.key), certificates: [chain.leaf, chain.ca], password }),
    );
    const passwordFile = join(dataDir.path, "unicode-password.txt");
    await writeFile(passwordFile, `${password}\n`, "utf8");

    const { stdout, stderr } = await openssl([
      "pkcs12",
      "-in",
      file,
      "-passin",
      `file:${passwordFile}`,
      "-noenc",
    ]);
    expect(stderr).not.toMatch(/warning|error/i);
    const entries = parseInfo(stdout);
    expect(entries.map((entry) => entry.label)).toEqual(["CERTIFICATE", "CERTIFICATE", "PRIVATE KEY"]);
    expect(entries[2]?.der.equals(pkcs8(chain.key))).toBe(true);
    // Only the MAC is keyed by the BMPString form; a near miss must not verify.
    expect(
      await opensslError(["pkcs12", "-in", file, "-passin", "pass:passwort-密码-🔑", "-noout"]),
    ).toContain("Mac verify error");
  });

  it("is loadable by Node's TLS stack (PKCS12_parse) only with the right passphrase", async ({ dataDir }) => {
    const chain = await makeChain(dataDir, "P-384", "tls");
    const pfx = Buffer.from(
      buildPfx({
        privateKeyPkcs8: pkcs8(chain.key),
        certificates: [chain.leaf, chain.ca],
        password: "tls-pw",
      }),
    );
    expect(() => createSecureContext({ pfx, passphrase: "tls-pw" })).not.toThrow();
    expect(() => createSecureContext({ pfx, passphrase: "nope" })).toThrow(/mac verify failure/i);
  });
});

describe("buildPfx input validation", () => {
  it("rejects an empty password", ({ chain }) => {
    expect(() =>
      buildPfx({ privateKeyPkcs8: pkcs8(chain.key), certificates: [chain.leaf], password: "" }),
    ).toThrow("PKCS#12 password must be a non-empty string");
  });

  it("rejects a password with a lone surrogate", ({ chain }) => {
    expect(() =>
      buildPfx({ privateKeyPkcs8: pkcs8(chain.key), certificates: [chain.leaf], password: "pw\uD800" }),
    ).toThrow("PKCS#12 password is not well-formed Unicode");
  });

  it("rejects a missing leaf and a leaf that does not match the key", ({ chain }) => {
    expect(() => buildPfx({ privateKeyPkcs8: pkcs8(chain.key), certificates: [], password: "pw" })).toThrow(
      "PKCS#12 needs at least the leaf certificate",
    );
    expect(() =>
      buildPfx({ privateKeyPkcs8: pkcs8(generateKey("P-256")), certificates: [chain.leaf], password: "pw" }),
    ).toThrow("PKCS#12 leaf certificate does not match the private key");
  });
});

describe("derivePkcs12Key (RFC 7292 B.2) against OpenSSL's PKCS12KDF", () => {
  const bmp = (text: string): Buffer => utf16be(`${text}\0`);
  const cases = [
    { password: "pw", salt: "0102030405060708", id: 3, iterations: 2048, length: 32 },
    // Several output blocks exercise the I_j = I_j + B + 1 update, salt and password span block edges.
    { password: "pässwörd-密码-🔑", salt: "ab".repeat(20), id: 1, iterations: 3, length: 80 },
    { password: "x".repeat(40), salt: "ff".repeat(70), id: 2, iterations: 1, length: 100 },
  ];

  it.each(cases)(
    "id $id, $length bytes, $iterations iterations",
    async ({ password, salt, id, iterations, length }) => {
      const { stdout } = await openssl([
        ...["kdf", "-keylen", String(length), "-kdfopt", "digest:SHA256"],
        ...["-kdfopt", `hexpass:${bmp(password).toString("hex")}`, "-kdfopt", `hexsalt:${salt}`],
        ...["-kdfopt", `iter:${iterations}`, "-kdfopt", `id:${id}`, "PKCS12KDF"],
      ]);
      const expected = stdout.trim().replaceAll(":", "").toLowerCase();
      expect(expected).toHaveLength(length * 2);
      const actual = derivePkcs12Key(bmp(password), Buffer.from(salt, "hex"), id, iterations, length);
      expect(actual.toString("hex")).toBe(expected);
    },
  );
});

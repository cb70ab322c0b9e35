import { execFile } from "node:child_process";
import { chmod, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { describe, expect } from "vitest";
import { absoluteLayout } from "../src/device/write-device-files.js";
import {
  checkDeviceFiles,
  type DeviceFileProblemCode,
  type DeviceIdentity,
  EdgePkiClient,
  writeDeviceFiles,
} from "../src/index.js";
import type { RunningCa } from "./support/ca-service.js";
import { test } from "./support/fixtures.js";
import { selfSigned } from "./support/openssl.js";

const run = promisify(execFile);
const DEVICE = "check-1";
const OTHER = "check-2";
let good: DeviceIdentity;
let other: DeviceIdentity;
let issued: Promise<void> | undefined;

/** Two devices' identities from the real CA, made once for the file. */
function issueOnce(ca: RunningCa): Promise<void> {
  issued ??= (async () => {
    const client = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    good = await client.createDeviceIdentity(DEVICE);
    other = await client.createDeviceIdentity(OTHER);
  })();
  return issued;
}

const codes = async (dir: string, deviceId = DEVICE, options = {}) =>
  (await checkDeviceFiles(dir, deviceId, options)).problems.map((problem) => problem.code).sort();

describe("checkDeviceFiles names every problem of a file set", () => {
  test("a set the CA issued passes", async ({ ca, dir }) => {
    await issueOnce(ca);
    await writeDeviceFiles(dir, good);
    expect(await checkDeviceFiles(dir, DEVICE)).toEqual({ ok: true, problems: [] });
  });

  const layout = (dir: string) => absoluteLayout(dir, DEVICE);
  const blocks = (pem: string) => pem.split(/(?<=-----END CERTIFICATE-----\n)/).filter(Boolean);

  const cases: [string, (dir: string) => Promise<unknown>, DeviceFileProblemCode[]][] = [
    ["a missing key", (dir) => rm(layout(dir).privateKey), ["missing_file"]],
    ["a missing root", (dir) => rm(layout(dir).root), ["missing_file"]],
    [
      "the chain's CA first (leaf not first)",
      async (dir) => {
        const [leaf, intermediate, root] = blocks(good.fullChainPem);
        await rm(layout(dir).fullChain);
        await writeFile(layout(dir).fullChain, `${intermediate}${leaf}${root}`);
      },
      [
        "certificate_differs_from_chain",
        "chain_broken",
        "chain_broken",
        "common_name_mismatch",
        "key_mismatch",
        "leaf_not_first",
      ],
    ],
    [
      "another device's files under this name (CN is not the registration ID)",
      async (dir) => {
        const mine = layout(dir);
        for (const path of [mine.fullChain, mine.certificate, mine.privateKey]) await rm(path);
        await writeFile(mine.fullChain, other.fullChainPem);
        await writeFile(mine.certificate, other.certificatePem);
        await writeFile(mine.privateKey, other.privateKeyPem, { mode: 0o600 });
      },
      ["common_name_mismatch"],
    ],
    [
      "another device's key",
      async (dir) => {
        await rm(layout(dir).privateKey);
        await writeFile(layout(dir).privateKey, other.privateKeyPem, { mode: 0o600 });
      },
      ["key_mismatch"],
    ],
    [
      "another device's certificate file",
      async (dir) => {
        await rm(layout(dir).certificate);
        await writeFile(layout(dir).certificate, other.certificatePem);
      },
      ["certificate_differs_from_chain"],
    ],
    [
      "a chain without its issuing CA",
      async (dir) => {
        const [leaf, , root] = blocks(good.fullChainPem);
        await rm(layout(dir).fullChain);
        await writeFile(layout(dir).fullChain, `${leaf}${root}`);
      },
      ["chain_broken"],
    ],
    [
      "an encrypted key",
      async (dir) => {
        const path = layout(dir).privateKey;
        const { stdout } = await run("openssl", [
          "pkcs8",
          "-topk8",
          "-v2",
          "aes256",
          "-in",
          path,
          "-passout",
          "pass:secret",
        ]);
        await rm(path);
        await writeFile(path, stdout, { mode: 0o600 });
      },
      ["encrypted_key"],
    ],
    ["a key others may read", (dir) => chmod(layout(dir).privateKey, 0o644), ["key_readable_by_others"]],
    [
      "a key folder others may enter",
      (dir) => chmod(dirname(layout(dir).privateKey), 0o755),
      ["key_folder_open"],
    ],
    [
      "garbage for a key and a certificate",
      async (dir) => {
        await rm(layout(dir).privateKey);
        await writeFile(
          layout(dir).privateKey,
          "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
          { mode: 0o600 },
        );
        await rm(layout(dir).certificate);
        await writeFile(layout(dir).certificate, "not PEM");
      },
      ["unreadable_certificate", "unreadable_key"],
    ],
  ];

  test.for(cases)("%s", async ([, breakIt, expected], { ca, dir }) => {
    await issueOnce(ca);
    await writeDeviceFiles(dir, good);
    await breakIt(dir);
    const result = await checkDeviceFiles(dir, DEVICE);
    expect(result.ok).toBe(false);
    expect(result.problems.map((problem) => problem.code).sort()).toEqual([...expected].sort());
    for (const problem of result.problems) expect(problem.message).not.toBe("");
  });

  test("another root; expired; not yet valid", async ({ ca, dir }) => {
    await issueOnce(ca);
    await writeDeviceFiles(dir, good);
    const foreignRoot = blocks(other.fullChainPem)[1] as string; // an issuing CA is not this root
    expect(await codes(dir, DEVICE, { rootCertificatePem: foreignRoot })).toEqual(["untrusted_root"]);
    expect(await codes(dir, DEVICE, { now: new Date("2099-01-01") })).toEqual(["expired"]);
    expect(await codes(dir, DEVICE, { now: new Date("2000-01-01") })).toEqual(["not_yet_valid"]);
  });

  test("a chain that expires after 2037 (made with openssl, as the CA refuses to)", async ({ dir }) => {
    const work = join(dir, "openssl");
    await mkdir(work);
    const at = (name: string) => join(work, name);
    await selfSigned(at("root.key"), at("root.pem"), "Far Root", 7000);
    await run("openssl", [
      "req",
      "-new",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-subj",
      `/CN=${DEVICE}`,
      "-keyout",
      at("leaf.key"),
      "-out",
      at("leaf.csr"),
    ]);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      at("leaf.csr"),
      "-CA",
      at("root.pem"),
      "-CAkey",
      at("root.key"),
      "-days",
      "6500",
      "-out",
      at("leaf.pem"),
    ]);
    const leaf = await readFile(at("leaf.pem"), "utf8");
    const root = await readFile(at("root.pem"), "utf8");
    await writeDeviceFiles(dir, {
      deviceId: DEVICE,
      privateKeyPem: await readFile(at("leaf.key"), "utf8"),
      certificatePem: leaf,
      fullChainPem: `${leaf}${root}`,
    });
    expect(await codes(dir)).toEqual(["expires_after_2037", "expires_after_2037"]);
  });
});

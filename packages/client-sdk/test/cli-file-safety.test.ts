import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { EdgePkiClient } from "../src/index.js";
import { type CliResult, runEdgePki } from "./support/edge-pki-cli.js";
import { test } from "./support/fixtures.js";

/** Issues a device with the CLI into `out` and returns the files it wrote. */
async function issue(env: Record<string, string>, deviceId: string, out: string) {
  const issued = await runEdgePki(["issue", deviceId, "--out", out, "--json"], env);
  expect(issued.stderr).toBe("");
  return JSON.parse(issued.stdout).files as { fullChain: string; privateKey: string; certificate: string };
}

function expectOneLineFailure(result: CliResult, message: string | RegExp): void {
  expect(result.code).toBe(1);
  expect(result.stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(result.stderr).toMatch(message);
  expect(result.stdout).toBe("");
}

describe("edge-pki never loses what the CA issued to a folder it cannot write", () => {
  test("renew in place replaces the device's files atomically, and they work", async ({ ca, dir }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const files = await issue(env, "renew-in-place", dir);
    const before = {
      chain: await readFile(files.fullChain, "utf8"),
      inode: (await stat(files.fullChain)).ino,
    };
    const renewed = await runEdgePki(
      [
        "renew",
        "--cert",
        files.fullChain,
        "--key",
        files.privateKey,
        "--out",
        dir,
        "--new-key",
        "ECDSA_P384",
      ],
      { EDGE_PKI_URL: ca.url },
    );
    expect(renewed).toMatchObject({ code: 0, stderr: "" });
    expect(await readFile(files.fullChain, "utf8")).not.toBe(before.chain);
    // A rename puts a new file in place; a write into the old one would keep its inode.
    expect((await stat(files.fullChain)).ino).not.toBe(before.inode);
    expect((await stat(files.privateKey)).mode & 0o777).toBe(0o600);
    expect((await readdir(join(dir, "private"))).sort()).toEqual([
      "iot-edge-device-identity-renew-in-place.key.pem",
    ]);
    expect((await readdir(join(dir, "certs"))).sort()).toEqual([
      "edge-pki-root-ca.cert.pem",
      "iot-edge-device-identity-renew-in-place-full-chain.cert.pem",
      "iot-edge-device-identity-renew-in-place.cert.pem",
    ]);
    expect(await runEdgePki(["check", dir, "--device-id", "renew-in-place"])).toMatchObject({ code: 0 });
  });

  test("renew into an unwritable target fails before any request: the renewal is not spent", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const files = await issue(env, "renew-unwritable", join(dir, "current"));
    const aFile = join(dir, "a-file");
    await writeFile(aFile, "");
    const renew = (out: string) =>
      runEdgePki(["renew", "--cert", files.fullChain, "--key", files.privateKey, "--out", out], {
        EDGE_PKI_URL: ca.url,
      });
    expectOneLineFailure(await renew("/proc/edge-pki-renewed"), /^edge-pki: cannot write to \/proc: /);
    expectOneLineFailure(await renew(join(aFile, "out")), `${aFile} is a file, not a folder`);
    // The service saw no renewal: the certificate still renews, once.
    expect(await renew(join(dir, "renewed"))).toMatchObject({ code: 0, stderr: "" });
  });

  test("issue refuses an output it cannot write before any request: nothing is issued", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const aFile = join(dir, "a-file");
    await writeFile(aFile, "");
    expectOneLineFailure(
      await runEdgePki(["issue", "issue-unwritable", "--out", aFile], env),
      `cannot write to ${aFile}: ${aFile} is a file, not a folder`,
    );
    expectOneLineFailure(
      await runEdgePki(["issue", "issue-unwritable", "--out", "/proc/edge-pki-out"], env),
      /cannot write to \/proc: /,
    );
    const existing = await issue(env, "issue-twice", join(dir, "twice"));
    expectOneLineFailure(
      await runEdgePki(["issue", "issue-twice", "--out", join(dir, "twice")], env),
      `${existing.privateKey} already exists and is never overwritten: choose another --out`,
    );
    const client = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    expect((await client.listDeviceCertificates("issue-unwritable")).items).toEqual([]);
    expect((await client.listDeviceCertificates("issue-twice")).items).toHaveLength(1);
  });

  test("batch and ca get check --out before any request too", async ({ dir }) => {
    const unreachable = { EDGE_PKI_URL: "http://127.0.0.1:9", EDGE_PKI_TOKEN: "not-a-real-token" };
    const input = join(dir, "devices.csv");
    await writeFile(input, "deviceId\nbatch-1\n");
    expectOneLineFailure(
      await runEdgePki(["batch", "--input", input, "--out", "/proc/edge-pki-batch"], unreachable),
      /^edge-pki: cannot write to \/proc: /,
    );
    expectOneLineFailure(
      await runEdgePki(["ca", "get", "--out", join(input, "ca")], unreachable),
      `cannot write to ${join(input, "ca")}: ${input} is a file, not a folder`,
    );
  });

  test("a write that fails after the renewal saves the new files beside the target, and says where", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const out = join(dir, "device");
    const files = await issue(env, "renew-recovered", out);
    const current = join(dir, "current.pem");
    await writeFile(current, await readFile(files.fullChain));
    // The folder is writable, but the chain cannot be renamed over a folder of the same name.
    await rm(files.fullChain);
    await mkdir(files.fullChain);
    const renewed = await runEdgePki(
      ["renew", "--cert", current, "--key", files.privateKey, "--out", out, "--new-key", "ECDSA_P256"],
      { EDGE_PKI_URL: ca.url },
    );
    expectOneLineFailure(renewed, /the new files were saved in (\S+): move them into place\n$/);
    const recovery = /saved in (\S+):/.exec(renewed.stderr)?.[1] as string;
    expect(recovery.startsWith(join(dir, "device.edge-pki-recovered-"))).toBe(true);
    expect(await runEdgePki(["check", recovery, "--device-id", "renew-recovered"])).toMatchObject({
      code: 0,
    });
    // No temporary file is left behind.
    expect(await readdir(join(out, "private"))).toEqual(["iot-edge-device-identity-renew-recovered.key.pem"]);
  });
});

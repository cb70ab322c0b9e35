import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runEdgePki } from "./support/edge-pki-cli.js";
import { test } from "./support/fixtures.js";
import { openssl, selfSigned } from "./support/openssl.js";

const COMMANDS = [
  "issue",
  "batch",
  "renew",
  "revoke",
  "bootstrap-token",
  "ca get",
  "crl get",
  "check",
  "audit",
  "est-credential create",
  "est-credential list",
  "est-credential revoke",
  "iotedge-config est",
];

/** One line on stderr, the program's name first, never a stack trace. */
function oneLine(stderr: string): void {
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
  expect(stderr).toMatch(/^edge-pki: /);
  expect(stderr).not.toMatch(/\n\s+at /);
}

describe("edge-pki usage", () => {
  it.each(COMMANDS)("%s --help prints its usage on stdout and exits 0", async (command) => {
    const result = await runEdgePki([...command.split(" "), "--help"]);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout).toContain(`Usage: edge-pki ${command}`);
  });

  it.each([
    [["issue"], "missing required argument 'deviceId'"],
    [["issue", "bad id!"], 'device ID "bad id!" is not valid'],
    [["issue", "dev-1", "--key-algorithm", "DSA"], "--key-algorithm must be one of"],
    [["batch", "--out", "x"], "--input is needed"],
    [
      ["batch", "--input", "a.csv", "--out", "x", "--concurrency", "0"],
      "--concurrency must be a whole number from 1 to 256",
    ],
    [["revoke", "01", "--reason", "certificateHold"], "--reason must be one of"],
    [["bootstrap-token", "dev-1", "--ttl", "10s"], "--ttl must be a duration"],
    [["est-credential", "create", "fleet"], "give exactly one of --device-prefix (a fleet) and --device-id"],
    [["est-credential", "create", "co:lon", "--device-id", "d-1"], 'username "co:lon" is not valid'],
    [["est-credential", "revoke", "nope"], '"nope" is not an EST credential\'s id'],
    [["issue", "dev-1", "--out", "a", "--out", "b"], "--out was given more than once"],
    [
      ["revoke", "not-hex", "--reason", "keyCompromise"],
      '"not-hex" is not a serial number: serialNumber must be hexadecimal',
    ],
    [
      ["crl", "get", "--der", "--json"],
      "--der and --json do not go together: the DER CRL is binary; drop one",
    ],
    [["ca", "get", "--url", "notaurl"], `the CA's URL (--url) must be http:// or https://, not "notaurl"`],
    [
      ["ca", "get", "--url", "https://admin:s3cret@pki.example.com"],
      "the CA's URL (--url) must not hold a user name or password (https://***@pki.example.com)",
    ],
  ])("%j is a usage error: one line, exit 2", async (args, message) => {
    const result = await runEdgePki(args, {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: "not-a-real-token",
    });
    expect(result.code).toBe(2);
    oneLine(result.stderr);
    expect(result.stderr).toContain(message);
  });

  it("settings: the URL and a token are needed; both token variables at once are refused", async () => {
    expect((await runEdgePki(["audit"])).stderr).toContain("the CA's URL is needed: --url or EDGE_PKI_URL");
    const noToken = await runEdgePki(["audit"], { EDGE_PKI_URL: "http://127.0.0.1:9" });
    expect(noToken).toMatchObject({ code: 2 });
    expect(noToken.stderr).toContain("an API token is needed");
    const both = await runEdgePki(["audit"], {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: "not-a-real-token",
      EDGE_PKI_TOKEN_FILE: "f",
    });
    expect(both.stderr).toContain("EDGE_PKI_TOKEN and EDGE_PKI_TOKEN_FILE are both set");
  });

  it("a CA that does not answer: one line, exit 1, and the token is never shown", async () => {
    const token = "secret-token-value";
    const result = await runEdgePki(["audit", "--max-retries", "0"], {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: token,
    });
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    expect(result.stderr).toContain("cannot reach http://127.0.0.1:9");
    expect(result.stderr + result.stdout).not.toContain(token);
  });

  test("a batch input with bad rows is refused before any request, naming each", async ({ dir }) => {
    const input = join(dir, "devices.csv");
    await writeFile(input, "deviceId,slot\nok-1,1\nbad id,2\nok-1,3\n");
    const result = await runEdgePki(["batch", "--input", input, "--out", join(dir, "out")], {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: "not-a-real-token",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("2 bad row(s)");
    expect(result.stderr).toContain('line 3: "bad id" is not a valid device ID');
    expect(result.stderr).toContain("line 4: ok-1 is already on line 2");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe("edge-pki renew checks its files before any request", () => {
  const unreachable = { EDGE_PKI_URL: "http://127.0.0.1:9" };

  test("--cert and --key given the wrong way round: they look swapped, exit 2", async ({ dir }) => {
    const [key, cert] = [join(dir, "device.key.pem"), join(dir, "device.cert.pem")];
    await selfSigned(key, cert, "swap-1", 30);
    const result = await runEdgePki(
      ["renew", "--cert", key, "--key", cert, "--out", join(dir, "out")],
      unreachable,
    );
    expect(result.code).toBe(2);
    oneLine(result.stderr);
    expect(result.stderr).toContain(
      `--cert and --key look swapped: ${key} holds a private key and ${cert} a certificate`,
    );
  });

  test("a key that does not belong to the certificate: one line, exit 1, nothing sent", async ({ dir }) => {
    await selfSigned(join(dir, "a.key.pem"), join(dir, "a.cert.pem"), "mismatch-a", 30);
    await selfSigned(join(dir, "b.key.pem"), join(dir, "b.cert.pem"), "mismatch-b", 30);
    const result = await runEdgePki(
      [
        "renew",
        "--cert",
        join(dir, "a.cert.pem"),
        "--key",
        join(dir, "b.key.pem"),
        "--out",
        join(dir, "out"),
      ],
      unreachable,
    );
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    expect(result.stderr).toBe(
      `edge-pki: the key in ${join(dir, "b.key.pem")} does not belong to the certificate in ${join(dir, "a.cert.pem")} (CN=mismatch-a): give the device's own key\n`,
    );
  });
});

describe("edge-pki batch input", () => {
  test.for([
    ["an empty file", "", "devices.csv is empty: it needs a header row with a deviceId column"],
    ["a header without devices", "deviceId,slot\n", "devices.csv has a header row but no devices"],
    [
      "deviceId named twice",
      "deviceId,slot,deviceId\na-1,1,a-2\n",
      "devices.csv names the column deviceId twice in its header",
    ],
    [
      "a column the manifest writes",
      "deviceId,status\na-1,tested\n",
      "devices.csv has a column status, which the manifest writes itself (deviceId, status, serialNumber, notAfter, sha256Fingerprint, fullChain, certificate, privateKey, root, error): rename it, for example to input_status",
    ],
  ])("%s: one line, exit 1, before any request", async ([, content, message], { dir }) => {
    const input = join(dir, "devices.csv");
    await writeFile(input, content as string);
    const result = await runEdgePki(["batch", "--input", input, "--out", join(dir, "out")], {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: "not-a-real-token",
    });
    expect(result.code).toBe(1);
    oneLine(result.stderr);
    expect(result.stderr).toBe(`edge-pki: ${join(dir, message as string)}\n`);
  });

  test("a second input into the same folder keeps the first one's devices in the manifest", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN_FILE: join(ca.dataDir, "admin.token") };
    const out = join(dir, "shared-out");
    await writeFile(join(dir, "first.csv"), "deviceId,slot\nkeep-1,a\nkeep-2,b\n");
    await writeFile(join(dir, "second.csv"), "deviceId\nKEEP-2\nlater-1\n");
    expect((await runEdgePki(["batch", "--input", join(dir, "first.csv"), "--out", out], env)).code).toBe(0);
    expect((await runEdgePki(["batch", "--input", join(dir, "second.csv"), "--out", out], env)).code).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.devices.map((device: { deviceId: string }) => device.deviceId)).toEqual([
      "KEEP-2",
      "later-1",
      "keep-1",
    ]);
    expect(manifest.devices[2]).toMatchObject({ status: "issued", columns: { slot: "a" } });
    const csv = await readFile(join(out, "manifest.csv"), "utf8");
    expect(csv.trim().split("\n")).toHaveLength(4);
  });

  test("a CA that stays unreachable stops the batch instead of failing every device alike", async ({
    dir,
  }) => {
    const input = join(dir, "devices.csv");
    await writeFile(input, ["deviceId", ...Array.from({ length: 12 }, (_, i) => `down-${i}`)].join("\n"));
    const result = await runEdgePki(
      [
        "batch",
        "--input",
        input,
        "--out",
        join(dir, "down-out"),
        "--concurrency",
        "1",
        "--max-retries",
        "0",
        "--json",
      ],
      { EDGE_PKI_URL: "http://127.0.0.1:9", EDGE_PKI_TOKEN: "not-a-real-token" },
    );
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    const errors: string[] = summary.failures.map((failure: { error: string }) => failure.error);
    expect(summary.failed).toBe(12);
    expect(
      errors.filter((error) =>
        error.startsWith("not attempted: the batch stopped (the CA was unreachable for 3 devices in a row"),
      ),
    ).toHaveLength(9);
  });

  test("duplicates are found without regard to case, as DPS registration IDs", async ({ dir }) => {
    const input = join(dir, "devices.csv");
    await writeFile(input, "deviceId\nLine7-A\nline7-b\nline7-a\n");
    const result = await runEdgePki(["batch", "--input", input, "--out", join(dir, "out")], {
      EDGE_PKI_URL: "http://127.0.0.1:9",
      EDGE_PKI_TOKEN: "not-a-real-token",
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("1 bad row(s)");
    expect(result.stderr).toContain("line 4: line7-a is already on line 2 (device IDs are case-insensitive)");
  });
});

describe("edge-pki against the real CA", () => {
  test("issue, check, ca get, revoke, crl get, audit; the token file's newline is trimmed", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN_FILE: join(ca.dataDir, "admin.token") };
    expect(await readFile(join(ca.dataDir, "admin.token"), "utf8")).toMatch(/\n$/);
    const out = join(dir, "out");
    const issued = await runEdgePki(["issue", "cli-1", "--out", out, "--json"], env);
    expect(issued.code).toBe(0);
    const result = JSON.parse(issued.stdout);
    expect(result).toMatchObject({ deviceId: "cli-1", serialNumber: expect.stringMatching(/^[0-9a-f]+$/) });
    expect((await stat(result.files.privateKey)).mode & 0o777).toBe(0o600);

    const check = await runEdgePki(["check", out, "--device-id", "cli-1"]);
    expect(check).toMatchObject({ code: 0, stdout: "cli-1: the files will work for IoT Edge\n" });
    const wrong = await runEdgePki(["check", out, "--device-id", "cli-2", "--json"]);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).problems.map((problem: { code: string }) => problem.code)).toContain(
      "missing_file",
    );

    const caOut = await runEdgePki(["ca", "get", "--out", join(dir, "ca"), "--json"], {
      EDGE_PKI_URL: ca.url,
    });
    const caInfo = JSON.parse(caOut.stdout);
    expect(caInfo.files.root).toBe(join(dir, "ca", "certs", "edge-pki-root-ca.cert.pem"));
    // The issuing CA too, which a retirement replaces, and whose expiry is the one named.
    const served = (await (await fetch(`${ca.url}/v1/ca`)).json()) as Record<string, string>;
    expect(caInfo).toMatchObject({
      intermediateNotAfter: served.notAfter,
      intermediateCertificatePem: served.intermediateCertificatePem,
      chainPem: served.chainPem,
      rootCertificatePem: served.rootCertificatePem,
    });

    const revoked = await runEdgePki(["revoke", result.serialNumber, "--reason", "keyCompromise"], env);
    expect(revoked.stdout).toContain(`revoked ${result.serialNumber} (cli-1): keyCompromise`);
    const crl = await runEdgePki(["crl", "get"], { EDGE_PKI_URL: ca.url });
    expect(crl.stdout).toMatch(/^-----BEGIN X509 CRL-----/);

    const audit = await runEdgePki(["audit", "--json"], env);
    const actions = audit.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line).action);
    expect(actions).toEqual(expect.arrayContaining(["certificate.issue", "certificate.revoke"]));
  });

  test("a key made here with a PKCS#12: openssl reads the chain and the very key of the key file", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const password = join(dir, "pfx-password");
    await writeFile(password, "local pfx secret\n");
    const out = join(dir, "local-pfx");
    const issued = await runEdgePki(
      ["issue", "cli-local-pfx", "--pfx-password-file", password, "--out", out, "--json"],
      env,
    );
    expect(issued.stderr).toBe("");
    const { files } = JSON.parse(issued.stdout);
    expect(files.pfx).toBe(join(out, "private", "iot-edge-device-identity-cli-local-pfx.cert.pfx"));
    expect((await stat(files.pfx)).mode & 0o777).toBe(0o600);
    const passin = ["-passin", `file:${password}`];
    const info = await openssl(["pkcs12", "-info", "-in", files.pfx, ...passin, "-nokeys"]);
    expect(info.code).toBe(0);
    expect(info.output).toContain("MAC: sha256");
    expect(info.output).toContain("PBES2, PBKDF2, AES-256-CBC");
    expect(info.output.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(3);
    expect(info.output).toMatch(/subject=CN ?= ?cli-local-pfx/);
    const key = await openssl(["pkcs12", "-in", files.pfx, ...passin, "-nocerts", "-nodes"]);
    expect(key.code).toBe(0);
    const keyInPfx = join(dir, "key-in-pfx.pem");
    await writeFile(keyInPfx, key.output);
    const publicKey = async (path: string) => (await openssl(["pkey", "-in", path, "-pubout"])).output;
    expect(await publicKey(keyInPfx)).toBe(await publicKey(files.privateKey));
    expect(await publicKey(keyInPfx)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
  });

  test("server-side keys with a PKCS#12; a bootstrap token; a renewal with a new key", async ({
    ca,
    dir,
  }) => {
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN: ca.adminToken };
    const password = join(dir, "pfx-password");
    await writeFile(password, "pfx secret\n");
    const out = join(dir, "server");
    const issued = await runEdgePki(
      ["issue", "cli-keygen", "--server-keygen", "--pfx-password-file", password, "--out", out, "--json"],
      env,
    );
    expect(issued.code).toBe(0);
    const { files } = JSON.parse(issued.stdout);
    expect((await stat(files.pfx)).mode & 0o777).toBe(0o600);
    expect((await runEdgePki(["check", out, "--device-id", "cli-keygen"])).code).toBe(0);

    const minted = await runEdgePki(["bootstrap-token", "cli-boot", "--ttl", "5m"], env);
    expect(minted.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const redeemed = await runEdgePki(["issue", "cli-boot", "--out", join(dir, "boot")], {
      EDGE_PKI_URL: ca.url,
      EDGE_PKI_TOKEN: minted.stdout.trim(),
    });
    expect(redeemed.code).toBe(0);

    const renewedOut = join(dir, "renewed");
    const renewed = await runEdgePki(
      [
        "renew",
        "--cert",
        files.fullChain,
        "--key",
        files.privateKey,
        "--out",
        renewedOut,
        "--new-key",
        "ECDSA_P384",
        "--json",
      ],
      { EDGE_PKI_URL: ca.url },
    );
    expect(renewed.stderr).toBe("");
    expect(JSON.parse(renewed.stdout)).toMatchObject({ deviceId: "cli-keygen" });
    expect((await runEdgePki(["check", renewedOut, "--device-id", "cli-keygen"])).code).toBe(0);
    const again = await runEdgePki(
      ["renew", "--cert", files.fullChain, "--key", files.privateKey, "--out", join(dir, "again")],
      { EDGE_PKI_URL: ca.url },
    );
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^edge-pki: .*already renewed.*\(403 renewal_refused\)\n$/);
  });
});

import { createPublicKey, X509Certificate } from "node:crypto";
import { chmod, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { join } from "node:path";
import { AuthenticationError } from "@edge-pki/client-sdk";
import { describe, expect, it } from "vitest";
import { createPki } from "../../emulators/test/dps/pki.js";
import { explainCaError } from "../src/credentials/ca-errors.js";
import { STATE_FILE } from "../src/run/state-file.js";
import { eflowBootstrap } from "./support/cli.js";
import { file, test } from "./support/fixtures.js";

const layout = (dir: string, id: string) => ({
  chain: join(dir, "certs", `iot-edge-device-identity-${id}-full-chain.cert.pem`),
  certificate: join(dir, "certs", `iot-edge-device-identity-${id}.cert.pem`),
  key: join(dir, "private", `iot-edge-device-identity-${id}.key.pem`),
});

async function configFor(work: string, id: string, ca: Record<string, unknown>): Promise<string> {
  return file(
    work,
    `${id}.json`,
    JSON.stringify({ deviceId: id, ca, dir: join(work, id), dps: { idScope: "0ne00000001" } }),
  );
}

describe("credentials: resumable, and never a second certificate unless asked", () => {
  test("a CA that cannot be reached, then a lost answer: one certificate, for the key made first", async ({
    admin,
    ca,
    work,
  }) => {
    const id = "resume-0001";
    const { token } = await admin.createBootstrapToken(id);
    // Two configurations of one device and folder: only the CA's address differs.
    const settings = (url: string) =>
      JSON.stringify({
        deviceId: id,
        ca: { url },
        dir: join(work, `${id}-down`),
        dps: { idScope: "0ne00000001" },
      });
    const unreachable = await file(work, `${id}-down.json`, settings("http://127.0.0.1:9"));
    const config = await file(work, `${id}.json`, settings(ca.url));
    const down = await eflowBootstrap(["credentials", "--config", unreachable], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/the CA at http:\/\/127\.0\.0\.1:9 cannot be reached.*\[ca_unreachable\]/);
    const files = layout(join(work, `${id}-down`), id);
    const key = await readFile(files.key, "utf8");

    const up = await eflowBootstrap(["credentials", "--config", config], { EDGE_PKI_BOOTSTRAP_TOKEN: token });
    expect(up.code).toBe(0);
    expect(up.stderr).toContain("resuming: sending the request prepared before");
    const chain = await readFile(files.chain, "utf8");
    const leafKey = new X509Certificate(chain).publicKey.export({ type: "spki", format: "der" });
    expect(leafKey.equals(createPublicKey(key).export({ type: "spki", format: "der" }))).toBe(true);
    const { serialNumber } = JSON.parse(up.stdout) as { serialNumber: string };

    // The answer was lost (files gone, serial never recorded): the same request gets the same certificate.
    await rm(join(work, `${id}-down`, "certs"), { recursive: true });
    const statePath = join(work, `${id}-down`, STATE_FILE);
    const state = JSON.parse(await readFile(statePath, "utf8"));
    delete state.credentials.serialNumber;
    await writeFile(statePath, JSON.stringify(state));
    const replay = await eflowBootstrap(["credentials", "--config", config], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ serialNumber, reused: false });
    expect((await admin.listDeviceCertificates(id)).items).toHaveLength(1);
  });

  test("a used token, no token, and a root that is not the pinned one each say so", async ({
    admin,
    ca,
    work,
  }) => {
    const { token } = await admin.createBootstrapToken("used-0001");
    expect(
      (
        await eflowBootstrap(
          ["credentials", "--config", await configFor(work, "used-0001", { url: ca.url })],
          { EDGE_PKI_BOOTSTRAP_TOKEN: token },
        )
      ).code,
    ).toBe(0);
    // The same token in a fresh folder: another request (another key, another CSR).
    const other = await file(
      work,
      "used-again.json",
      JSON.stringify({
        deviceId: "used-0001",
        ca: { url: ca.url },
        dir: join(work, "used-again"),
        dps: { idScope: "0ne1" },
      }),
    );
    const used = await eflowBootstrap(["credentials", "--config", other], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(used.stderr).toMatch(/bootstrap token was already used.*\[token_used\]/);

    const missing = await eflowBootstrap([
      "credentials",
      "--config",
      await configFor(work, "none-0001", { url: ca.url }),
    ]);
    expect(missing.stderr).toMatch(/there is no bootstrap token.*\[token_missing\]/);

    const pinned = await admin.createBootstrapToken("pinned-0001");
    const wrongPin = await configFor(work, "pinned-0001", { url: ca.url, rootSha256: "00".repeat(32) });
    const refused = await eflowBootstrap(["credentials", "--config", wrongPin], {
      EDGE_PKI_BOOTSTRAP_TOKEN: pinned.token,
    });
    expect(refused.stderr).toMatch(
      /the CA serves the root CN=[^(]+ \(SHA-256 [0-9a-f]{64}\), not the pinned root 0{64}.*\[untrusted_root\]/,
    );
    // Refused before the token was sent: nothing issued, the token still unused.
    expect((await admin.listDeviceCertificates("pinned-0001")).items).toEqual([]);
    const rightPin = await file(
      work,
      "pinned-right.json",
      JSON.stringify({
        deviceId: "pinned-0001",
        ca: { url: ca.url, rootSha256: (await admin.getCa()).rootSha256Fingerprint },
        dir: join(work, "pinned-0001"),
        dps: { idScope: "0ne1" },
      }),
    );
    const accepted = await eflowBootstrap(["credentials", "--config", rightPin], {
      EDGE_PKI_BOOTSTRAP_TOKEN: pinned.token,
    });
    expect(accepted.code).toBe(0);
    expect((await admin.listDeviceCertificates("pinned-0001")).items).toHaveLength(1);
  });

  test("--reissue replaces a valid certificate only once the new one is checked, keeping the old files aside", async ({
    admin,
    ca,
    work,
  }) => {
    const id = "reissue-0001";
    const config = await configFor(work, id, { url: ca.url });
    const first = await admin.createBootstrapToken(id);
    const issued = await eflowBootstrap(["credentials", "--config", config], {
      EDGE_PKI_BOOTSTRAP_TOKEN: first.token,
    });
    const files = layout(join(work, id), id);
    const before = { chain: await readFile(files.chain, "utf8"), key: await readFile(files.key, "utf8") };
    // A reissue that cannot get a certificate (no token, a used one) leaves the identity as it was.
    const noToken = await eflowBootstrap(["credentials", "--config", config, "--reissue"]);
    expect(noToken.stderr).toMatch(/\[token_missing\]/);
    const usedToken = await eflowBootstrap(["credentials", "--config", config, "--reissue"], {
      EDGE_PKI_BOOTSTRAP_TOKEN: first.token,
    });
    expect(usedToken.stderr).toMatch(/\[token_used\]/);
    expect({ chain: await readFile(files.chain, "utf8"), key: await readFile(files.key, "utf8") }).toEqual(
      before,
    );
    await expect(readdir(join(work, id, "superseded"))).rejects.toThrow(/ENOENT/);
    const kept = await eflowBootstrap(["credentials", "--config", config]);
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({
      serialNumber: JSON.parse(issued.stdout).serialNumber,
      reused: true,
    });

    const second = await admin.createBootstrapToken(id);
    const reissued = await eflowBootstrap(["credentials", "--config", config, "--reissue"], {
      EDGE_PKI_BOOTSTRAP_TOKEN: second.token,
    });
    expect(reissued.code).toBe(0);
    expect(JSON.parse(reissued.stdout).serialNumber).not.toBe(JSON.parse(issued.stdout).serialNumber);
    expect(await readdir(join(work, id, "superseded"))).toHaveLength(1);
    expect(await readFile(files.key, "utf8")).not.toBe(before.key);
    expect(await readdir(join(work, id, "reissue", "certs"))).toEqual([]);
    expect((await admin.listDeviceCertificates(id)).items).toHaveLength(2);
  });

  test("valid files whose certificate the CA revoked since are refused; offline, they are used as they are", async ({
    admin,
    ca,
    work,
  }) => {
    const id = "revoked-0001";
    const config = await configFor(work, id, { url: ca.url });
    const { token } = await admin.createBootstrapToken(id);
    const issued = await eflowBootstrap(["credentials", "--config", config], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(issued.code, issued.stderr).toBe(0);
    const { serialNumber } = JSON.parse(issued.stdout) as { serialNumber: string };
    // Not revoked: used again, the CRL asked.
    expect((await eflowBootstrap(["credentials", "--config", config])).code).toBe(0);

    await admin.revoke(serialNumber, "keyCompromise");
    const refused = await eflowBootstrap(["credentials", "--config", config]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(
        `^eflow-bootstrap: certificate ${serialNumber} of ${id} was revoked at the CA on [^:]+:[^\\n]*--reissue and a new bootstrap token \\[certificate_revoked\\]\\n$`,
      ),
    );

    // The same folder with a CA that does not answer (a port nobody listens on any more): nothing can
    // be asked, the files are used.
    const closed = createServer();
    await new Promise<void>((listening) => closed.listen(0, "127.0.0.1", listening));
    const { port } = closed.address() as AddressInfo;
    await new Promise((done) => closed.close(done));
    const offline = await file(
      work,
      `${id}-offline.json`,
      JSON.stringify({
        deviceId: id,
        ca: { url: `http://127.0.0.1:${port}` },
        dir: join(work, id),
        dps: { idScope: "0ne00000001" },
      }),
    );
    const used = await eflowBootstrap(["credentials", "--config", offline]);
    expect(used.code, used.stderr).toBe(0);
    expect(used.stderr).toContain(
      `could not learn from the CA whether certificate ${serialNumber} is revoked`,
    );
  });
});

describe("the CA's refusals as preconditions", () => {
  it("names an expired token, as the CA words it", () => {
    const context = { operationId: "issueCertificate" as const };
    const problem = {
      type: "urn:edge-pki:problem:unauthorized",
      title: "Authentication required",
      status: 401,
      detail: "the token has expired",
      code: "unauthorized" as const,
    };
    expect(
      explainCaError(new AuthenticationError(problem, new Headers(), context), "https://pki"),
    ).toMatchObject({
      code: "token_expired",
    });
  });
});

describe("the protected folder on Windows (the platform and icacls injected)", () => {
  test("gets an ACL for Administrators and SYSTEM only, set with System32's icacls", async ({
    admin,
    ca,
    work,
  }) => {
    const { obtainCredentials } = await import("../src/credentials/obtain-credentials.js");
    const { bootstrapToken } = await import("@edge-pki/client-sdk");
    const calls: { file: string; args: readonly string[] }[] = [];
    const host = {
      platform: "win32" as const,
      windowsDirectory: "C:\\Windows",
      run: async (file: string, args: readonly string[]) => {
        calls.push({ file, args });
        return { exitCode: 0, stdout: "", stderr: "" };
      },
    };
    const { token } = await admin.createBootstrapToken("windows-0001");
    const dir = join(work, "windows-0001");
    const result = await obtainCredentials({
      deviceId: "windows-0001",
      dir,
      caUrl: ca.url,
      credential: bootstrapToken(token),
      host,
    });
    expect(result.reused).toBe(false);
    const grants = ["/inheritance:r", "/grant:r", "*S-1-5-32-544:(OI)(CI)F", "*S-1-5-18:(OI)(CI)F"];
    expect(calls[0]).toEqual({
      file: "C:\\Windows\\System32\\icacls.exe",
      args: [expect.stringContaining("windows-0001"), ...grants],
    });
    expect(calls.every((call) => call.file === "C:\\Windows\\System32\\icacls.exe")).toBe(true);
  });
});

describe("valid files are the device's own, checked against the saved root and the recorded key", () => {
  test("another CA's certificate and key for the same CN are refused, even with its root file; the report reads the disk", async ({
    admin,
    ca,
    work,
  }) => {
    const id = "impostor-0001";
    const config = await configFor(work, id, { url: ca.url });
    const { token } = await admin.createBootstrapToken(id);
    const issued = await eflowBootstrap(["credentials", "--config", config], {
      EDGE_PKI_BOOTSTRAP_TOKEN: token,
    });
    expect(issued.code).toBe(0);
    const [record] = (await admin.listDeviceCertificates(id)).items;

    // The state file's record is not what is reported: the certificate on disk is.
    const statePath = join(work, id, STATE_FILE);
    const state = JSON.parse(await readFile(statePath, "utf8"));
    state.credentials.serialNumber = "00";
    state.credentials.notAfter = "2000-01-01T00:00:00.000Z";
    await writeFile(statePath, JSON.stringify(state));
    const reused = await eflowBootstrap(["credentials", "--config", config]);
    expect(JSON.parse(reused.stdout)).toMatchObject({
      serialNumber: record?.serialNumber,
      notAfter: new Date(new X509Certificate(record?.certificatePem as string).validTo).toISOString(),
      reused: true,
    });

    const files = layout(join(work, id), id);
    const rootFile = join(work, id, "certs", "edge-pki-root-ca.cert.pem");
    const originals = await Promise.all(
      [files.chain, files.key, files.certificate, rootFile].map((path) => readFile(path)),
    );
    const impostor = await createPki("impostor");
    try {
      const forged = await impostor.device(id);
      await writeFile(files.chain, forged.chainPem);
      await writeFile(files.certificate, forged.certificatePem);
      await writeFile(files.key, forged.keyPem);
      const refused = await eflowBootstrap(["credentials", "--config", config]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/will not work.*\[device_files_invalid\]/s);
      // Its root in the root file too: the key is not the one this device made.
      await writeFile(rootFile, impostor.root.certificatePem);
      const stillRefused = await eflowBootstrap(["credentials", "--config", config]);
      expect(stillRefused.stderr).toMatch(/key_not_ours.*\[device_files_invalid\]/s);
    } finally {
      await impostor.dispose();
    }
    await Promise.all(
      [files.chain, files.key, files.certificate, rootFile].map((path, index) =>
        writeFile(path, originals[index] as Buffer),
      ),
    );
    expect((await eflowBootstrap(["credentials", "--config", config])).code).toBe(0);
  });
});

describe("filesystem and token-file failures name their code", () => {
  test("a folder under a file, a folder others may write, a missing token file", async ({ ca, work }) => {
    const blocker = await file(work, "a-file", "");
    const underFile = await file(
      work,
      "under-file.json",
      JSON.stringify({
        deviceId: "fs-0001",
        ca: { url: ca.url },
        dir: join(blocker, "identity"),
        dps: { idScope: "0ne1" },
      }),
    );
    const notDir = await eflowBootstrap(["credentials", "--config", underFile], {
      EDGE_PKI_BOOTSTRAP_TOKEN: "x".repeat(20),
    });
    expect(notDir.code).toBe(1);
    expect(notDir.stderr).toMatch(/ENOTDIR.*\[file_access\]\n$/);

    const open = join(work, "open-folder");
    await mkdir(open, { mode: 0o777 });
    await chmod(open, 0o777);
    const openConfig = await file(
      work,
      "open.json",
      JSON.stringify({ deviceId: "fs-0002", ca: { url: ca.url }, dir: open, dps: { idScope: "0ne1" } }),
    );
    const writable = await eflowBootstrap(["credentials", "--config", openConfig], {
      EDGE_PKI_BOOTSTRAP_TOKEN: "x".repeat(20),
    });
    expect(writable.stderr).toMatch(/writable by other users.*\[file_access\]\n$/);

    const missingFile = await file(
      work,
      "missing-token.json",
      JSON.stringify({
        deviceId: "fs-0003",
        ca: { url: ca.url, bootstrapTokenFile: join(work, "no-such.token") },
        dir: join(work, "fs-0003"),
        dps: { idScope: "0ne1" },
      }),
    );
    const noToken = await eflowBootstrap(["credentials", "--config", missingFile]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/no-such\.token.*\[token_missing\]\n$/);
  });
});

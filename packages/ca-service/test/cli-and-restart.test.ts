import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { get } from "node:https";
import { join } from "node:path";
import type { CaInfo, IssuedCertificate } from "@edge-pki/api-contract";
import { describe, expect } from "vitest";
import { runCli, startCli, stopCli } from "./support/cli.js";
import { it } from "./support/fixtures.js";
import { openssl, opensslCsr, opensslServerCertificate, opensslStatus } from "./support/openssl.js";
import { call } from "./support/service.js";

async function snapshot(dataDir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const sub of ["keys", "ca"]) {
    for (const name of await readdir(join(dataDir, sub))) {
      files[`${sub}/${name}`] = createHash("sha256")
        .update(await readFile(join(dataDir, sub, name)))
        .digest("hex");
    }
  }
  return files;
}

describe("edge-pki-ca init", () => {
  it("creates the CA once, with 0600 key files, and never overwrites it", async ({ dataDir: dir }) => {
    const dataDir = join(dir.path, "init");
    const first = await runCli(["init", "--data-dir", dataDir], {});
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("created root and intermediate");
    expect(first.stderr).toContain("EDGE_PKI_KEY_PASSPHRASE is not set");
    const fingerprint = first.stdout.match(/root SHA-256 fingerprint: ([0-9a-f]{64})/)?.[1];
    const rootPem = await readFile(join(dataDir, "ca", "root.pem"));
    expect(fingerprint).toBe(
      createHash("sha256")
        .update(Buffer.from(rootPem.toString().replace(/-----[^-]+-----|\s/g, ""), "base64"))
        .digest("hex"),
    );
    for (const file of ["keys/root.key.pem", "keys/intermediate.key.pem", "key-passphrase"]) {
      expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8)).toBe("600");
    }
    const passphrase = (await readFile(join(dataDir, "key-passphrase"), "utf8")).trim();
    expect(first.stdout + first.stderr).not.toContain(passphrase);
    // A standard encrypted PKCS#8 file: openssl opens it with the passphrase, and only with it.
    const keyPath = join(dataDir, "keys", "root.key.pem");
    expect(await readFile(keyPath, "utf8")).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    const params = await openssl(["asn1parse", "-in", keyPath]);
    expect(params).toMatch(/PBES2[\s\S]*PBKDF2[\s\S]*:0927C0[\s\S]*hmacWithSHA256[\s\S]*aes-256-cbc/);
    const opened = await openssl(["pkey", "-in", keyPath, "-passin", `pass:${passphrase}`, "-pubout"]);
    const rootPublicKey = await openssl([
      "x509",
      "-in",
      join(dataDir, "ca", "root.pem"),
      "-noout",
      "-pubkey",
    ]);
    expect(opened).toBe(rootPublicKey);
    const refused = await opensslStatus(["pkey", "-in", keyPath, "-passin", "pass:not the passphrase"]);
    expect(refused.code).not.toBe(0);
    const before = await snapshot(dataDir);

    const second = await runCli(["init", "--data-dir", dataDir], {});
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing changed");
    expect(second.stdout).toContain(fingerprint);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it("refuses to replace a CA key that went missing while its certificate remains", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "lost-key");
    expect((await runCli(["init", "--data-dir", dataDir], {})).code).toBe(0);
    const before = await readFile(join(dataDir, "ca", "root.pem"), "utf8");
    await rm(join(dataDir, "keys", "root.key.pem"));
    const again = await runCli(["init", "--data-dir", dataDir], {});
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(
      "edge-pki-ca: the root certificate exists but its key keys/root.key.pem is missing: restore it from a backup",
    );
    expect(await readFile(join(dataDir, "ca", "root.pem"), "utf8")).toBe(before);
    expect(await readdir(join(dataDir, "keys"))).not.toContain("root.key.pem");
  });

  it("refuses to make a new root when the database records a CA its key store does not hold", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "emptied-keys");
    const env = { EDGE_PKI_KEY_PASSPHRASE: "correct horse battery" };
    expect((await runCli(["init", "--data-dir", dataDir], env)).code).toBe(0);
    // The keys are gone (another data folder restored without them, a wrong volume): the database stays.
    await rm(join(dataDir, "keys"), { recursive: true });
    await rm(join(dataDir, "ca"), { recursive: true });
    const before = (await readdir(dataDir)).sort();
    for (const command of ["init", "start"]) {
      const again = await runCli([command, "--data-dir", dataDir], { ...env, EDGE_PKI_PORT: "0" });
      expect(again.code).toBe(1);
      expect(again.stderr.trim().split("\n")).toHaveLength(1);
      expect(again.stderr.trim()).toMatch(
        new RegExp(
          `^edge-pki-ca: the database already records the CA root CN=.+ Root CA \\(serial [0-9a-f]+\\) but the data folder ${dataDir} holds no CA: point the service at the key store that holds that root \\(EDGE_PKI_KEY_STORE, EDGE_PKI_KEYVAULT_URL or EDGE_PKI_DATA_DIR\\), or at a new database for a new CA; nothing was created$`,
        ),
      );
      expect((await readdir(dataDir)).sort()).toEqual(before);
    }
  });

  it("points at token create when the first admin token never reached admin.token", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "no-admin-token");
    const env = { EDGE_PKI_KEY_PASSPHRASE: "correct horse battery" };
    expect((await runCli(["init", "--data-dir", dataDir], env)).code).toBe(0);
    // What an init killed after making the token-signing key, before writing the file, leaves.
    await rm(join(dataDir, "admin.token"));
    const again = await runCli(["init", "--data-dir", dataDir], env);
    expect(again.code).toBe(0);
    expect(again.stderr.trim()).toBe(
      `no admin token in ${join(dataDir, "admin.token")} (the first one is written only by the init that creates the token-signing key): mint one with \`edge-pki-ca token create --role admin --subject <name>\``,
    );
    const minted = await runCli(
      ["token", "create", "--role", "admin", "--subject", "ops", "--data-dir", dataDir],
      env,
    );
    expect(minted.code).toBe(0);
    expect(minted.stdout.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("does not invent a passphrase for keys made with EDGE_PKI_KEY_PASSPHRASE", async ({ dataDir: dir }) => {
    const dataDir = join(dir.path, "env-passphrase");
    expect(
      (await runCli(["init", "--data-dir", dataDir], { EDGE_PKI_KEY_PASSPHRASE: "correct horse battery" }))
        .code,
    ).toBe(0);
    const withoutIt = await runCli(["start", "--data-dir", dataDir], { EDGE_PKI_PORT: "0" });
    expect(withoutIt.code).toBe(1);
    expect(withoutIt.stderr.trim()).toMatch(
      /^edge-pki-ca: \S+\/keys holds encrypted keys but EDGE_PKI_KEY_PASSPHRASE is not set and there is no \S+\/key-passphrase: set EDGE_PKI_KEY_PASSPHRASE/,
    );
    expect(await readdir(dataDir)).not.toContain("key-passphrase");
  });

  it("refuses a data folder other users may write to", async ({ dataDir: dir }) => {
    const dataDir = join(dir.path, "shared-folder");
    await mkdir(dataDir);
    await chmod(dataDir, 0o777);
    const init = await runCli(["init", "--data-dir", dataDir], {});
    expect(init.code).toBe(1);
    expect(init.stderr.trim()).toBe(
      `edge-pki-ca: the data folder ${dataDir} is writable by other users (mode 777): run chmod go-w on it (0700 is best)`,
    );
    expect(await readdir(dataDir)).toEqual([]);
    await chmod(dataDir, 0o700);
    expect((await runCli(["init", "--data-dir", dataDir], {})).code).toBe(0);
  });

  it("refuses a wrong passphrase with one clear line", async ({ dataDir: dir }) => {
    const dataDir = join(dir.path, "passphrase");
    expect(
      (await runCli(["init", "--data-dir", dataDir], { EDGE_PKI_KEY_PASSPHRASE: "the right passphrase" }))
        .code,
    ).toBe(0);
    const wrong = await runCli(["init", "--data-dir", dataDir], {
      EDGE_PKI_KEY_PASSPHRASE: "a wrong passphrase!",
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim()).toBe(
      "edge-pki-ca: cannot decrypt the root key: wrong EDGE_PKI_KEY_PASSPHRASE, or the key file was altered",
    );
  });

  it("lists each wrong setting, and usage errors exit 2", async ({ dataDir: dir }) => {
    const bad = await runCli(["serve"], {
      EDGE_PKI_DATA_DIR: join(dir.path, "bad"),
      EDGE_PKI_PORT: "http",
      EDGE_PKI_MAX_VALIDITY_DAYS: "0",
      EDGE_PKI_TLS_CERT: "/tmp/cert.pem",
      EDGE_PKI_KEY_PASSPHRASE: "short",
      EDGE_PKI_CA_KEY_ALGORITHM: "DSA",
    });
    expect(bad.code).toBe(1);
    const lines = bad.stderr.trim().split("\n");
    expect(lines[0]).toBe("edge-pki-ca: invalid configuration:");
    expect(lines.slice(1).map((line) => line.trim().match(/^- EDGE_PKI_[A-Z_]+/)?.[0])).toEqual(
      expect.arrayContaining([
        "- EDGE_PKI_PORT",
        "- EDGE_PKI_MAX_VALIDITY_DAYS",
        "- EDGE_PKI_TLS_KEY",
        "- EDGE_PKI_KEY_PASSPHRASE",
        "- EDGE_PKI_CA_KEY_ALGORITHM",
      ]),
    );
    expect(lines).toHaveLength(6);
    expect(bad.stderr).not.toContain("short");
    // One wrong setting: one line.
    const one = await runCli(["serve"], {
      EDGE_PKI_DATA_DIR: join(dir.path, "bad"),
      EDGE_PKI_WORKERS: "abc",
    });
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(
      'edge-pki-ca: invalid configuration: EDGE_PKI_WORKERS="abc": must be a whole number written in decimal digits\n',
    );
    const unknown = await runCli(["launch"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("edge-pki-ca: unknown command 'launch'; run edge-pki-ca --help");
    const serveWithoutCa = await runCli(["serve", "--data-dir", join(dir.path, "empty")], {});
    expect(serveWithoutCa.code).toBe(1);
    expect(serveWithoutCa.stderr).toContain("run `edge-pki-ca init` first");
    expect(serveWithoutCa.stderr).toBe(
      `edge-pki-ca: the CA is not initialised in ${join(dir.path, "empty")}: run \`edge-pki-ca init\` first\n`,
    );
    // Failing, serve wrote nothing: no data folder, no passphrase file.
    await expect(stat(join(dir.path, "empty"))).rejects.toThrow("ENOENT");
  });
});

describe("edge-pki-ca start", () => {
  it("serves HTTPS when a TLS certificate is configured and prints the root fingerprint", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "tls");
    const { keyPath: key, certPath: cert } = await opensslServerCertificate(dir, "tls");
    const { child, url, stdout } = await startCli({
      EDGE_PKI_DATA_DIR: dataDir,
      EDGE_PKI_PORT: "0",
      EDGE_PKI_TLS_CERT: cert,
      EDGE_PKI_TLS_KEY: key,
    });
    try {
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const body = await new Promise<string>((resolve, reject) => {
        get(`${url}/v1/ca`, { ca: [readFileSync(cert, "utf8")] }, (response) => {
          let data = "";
          response.on("data", (chunk) => {
            data += chunk;
          });
          response.on("end", () => resolve(data));
        }).on("error", reject);
      });
      const ca = JSON.parse(body) as CaInfo;
      expect(stdout()).toContain(`root SHA-256 fingerprint: ${ca.rootSha256Fingerprint}`);
    } finally {
      expect(await stopCli(child)).toBe(0);
    }
  });
});

describe("a restart", () => {
  it("keeps the same CA and every issued record", async ({ dataDir: dir, startService }) => {
    const service = await startService();
    const before = (await call<CaInfo>(`${service.url}/v1/ca`)).body;
    const serials: string[] = [];
    for (const id of ["restart-a", "restart-b"]) {
      const { csrPem } = await opensslCsr(dir, `/CN=${id}`);
      const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        body: { csr: csrPem },
      });
      serials.push(issued.body.serialNumber);
    }
    await service.restart();
    const after = (await call<CaInfo>(`${service.url}/v1/ca`)).body;
    expect(after).toEqual(before);
    for (const serial of serials) {
      expect(
        (await call(`${service.url}/v1/certificates/${serial}`, { token: service.adminToken })).status,
      ).toBe(200);
    }
    const { csrPem } = await opensslCsr(dir, "/CN=restart-c");
    const issued = await call<IssuedCertificate>(`${service.url}/v1/certificates`, {
      token: service.adminToken,
      body: { csr: csrPem },
    });
    const chain = await dir.file("restart-chain.pem", issued.body.fullChainPem);
    const root = await dir.file("restart-root.pem", before.rootCertificatePem);
    expect(await openssl(["verify", "-CAfile", root, "-untrusted", chain, chain])).toContain(": OK");
  });
});

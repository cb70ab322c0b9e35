import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { get } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startCli, stopCli } from "./support/cli.js";
import { openssl, opensslCsr, opensslServerCertificate, type TempDir, tempDir } from "./support/openssl.js";
import { call, startTestService } from "./support/service.js";

let dir: TempDir;

beforeAll(async () => {
  dir = await tempDir();
});

afterAll(async () => {
  await dir.remove();
});

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
  it("creates the CA once, with 0600 key files, and never overwrites it", async () => {
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
    for (const file of ["keys/root.key.json", "keys/intermediate.key.json", "key-passphrase"]) {
      expect(((await stat(join(dataDir, file))).mode & 0o777).toString(8)).toBe("600");
    }
    const passphrase = (await readFile(join(dataDir, "key-passphrase"), "utf8")).trim();
    expect(first.stdout + first.stderr).not.toContain(passphrase);
    const keyFile = await readFile(join(dataDir, "keys", "root.key.json"), "utf8");
    expect(keyFile).not.toMatch(/PRIVATE KEY/);
    const before = await snapshot(dataDir);

    const second = await runCli(["init", "--data-dir", dataDir], {});
    expect(second.code).toBe(0);
    expect(second.stdout).toContain("nothing changed");
    expect(second.stdout).toContain(fingerprint);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it("refuses a wrong passphrase with one clear line", async () => {
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

  it("lists each wrong setting, and usage errors exit 2", async () => {
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
    expect(lines.slice(1).map((line) => line.trim().split("=")[0])).toEqual(
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
    const unknown = await runCli(["launch"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.trim()).toBe("edge-pki-ca: unknown command 'launch'; run edge-pki-ca --help");
    const serveWithoutCa = await runCli(["serve", "--data-dir", join(dir.path, "empty")], {});
    expect(serveWithoutCa.code).toBe(1);
    expect(serveWithoutCa.stderr).toContain("run `edge-pki-ca init` first");
  });
});

describe("edge-pki-ca start", () => {
  it("serves HTTPS when a TLS certificate is configured and prints the root fingerprint", async () => {
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
      const ca = JSON.parse(body);
      expect(stdout()).toContain(`root SHA-256 fingerprint: ${ca.rootSha256Fingerprint}`);
    } finally {
      expect(await stopCli(child)).toBe(0);
    }
  });
});

describe("a restart", () => {
  it("keeps the same CA and every issued record", async () => {
    let service = await startTestService();
    try {
      const before = (await call(`${service.url}/v1/ca`)).body;
      const serials: string[] = [];
      for (const id of ["restart-a", "restart-b"]) {
        const { csrPem } = await opensslCsr(dir, `/CN=${id}`);
        serials.push(
          (await call(`${service.url}/v1/certificates`, { token: service.adminToken, body: { csr: csrPem } }))
            .body.serialNumber,
        );
      }
      service = await service.restart();
      const after = (await call(`${service.url}/v1/ca`)).body;
      expect(after).toEqual(before);
      for (const serial of serials) {
        expect(
          (await call(`${service.url}/v1/certificates/${serial}`, { token: service.adminToken })).status,
        ).toBe(200);
      }
      const { csrPem } = await opensslCsr(dir, "/CN=restart-c");
      const issued = await call(`${service.url}/v1/certificates`, {
        token: service.adminToken,
        body: { csr: csrPem },
      });
      const chain = await dir.file("restart-chain.pem", issued.body.fullChainPem);
      const root = await dir.file("restart-root.pem", before.rootCertificatePem);
      expect(await openssl(["verify", "-CAfile", root, "-untrusted", chain, chain])).toContain(": OK");
    } finally {
      await service.dispose();
    }
  });
});

import { access, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { decodeProtectedHeader } from "jose";
import { describe, expect } from "vitest";
import { runCli } from "./support/cli.js";
import { it } from "./support/fixtures.js";
import { call } from "./support/service.js";

const PASSPHRASE = { EDGE_PKI_KEY_PASSPHRASE: "test passphrase, not secret" };
const kidOf = (token: string) => decodeProtectedHeader(token).kid;

describe("data folders whose token-signing key is incomplete or missing", () => {
  it("a token key without its certificate: init certifies that key, so issued tokens stay valid", async ({
    startService,
  }) => {
    const first = await startService();
    const token = first.adminToken;
    const { dataDir } = first;
    await first.stop();
    // A key without its certificate, as an init that stopped half-way leaves it.
    await rm(join(dataDir, "ca", "token-signing.pem"));

    const init = await runCli(["init", "--data-dir", dataDir], PASSPHRASE);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created token-signing");
    // The folder's admin.token is kept, never replaced.
    expect(init.stdout).not.toContain("admin token written");
    const service = await startService({ dataDir });
    expect(service.context.tokens.publicJwks().keys[0]?.kid).toBe(kidOf(token));
    expect((await call(`${service.url}/v1/audit?limit=1`, { token })).status).toBe(200);
    expect((await readFile(join(dataDir, "admin.token"), "utf8")).trim()).toBe(token);
  });

  it("a folder without any token key: serve asks for init; init adds the key to the existing CA", async ({
    dataDir: dir,
  }) => {
    const dataDir = join(dir.path, "no-token-key");
    expect((await runCli(["init", "--data-dir", dataDir], PASSPHRASE)).code).toBe(0);
    await rm(join(dataDir, "keys", "token-signing.key.pem"));
    await rm(join(dataDir, "ca", "token-signing.pem"));
    const rootBefore = await readFile(join(dataDir, "ca", "root.pem"), "utf8");

    const serve = await runCli(["serve", "--data-dir", dataDir], { ...PASSPHRASE, EDGE_PKI_PORT: "0" });
    expect(serve.code).toBe(1);
    expect(serve.stderr.trim()).toBe(
      "edge-pki-ca: the token-signing key is not in the key store yet: run `edge-pki-ca init`, which adds it to the existing CA",
    );

    const init = await runCli(["init", "--data-dir", dataDir], PASSPHRASE);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain("created token-signing");
    expect(await readFile(join(dataDir, "ca", "root.pem"), "utf8")).toBe(rootBefore);
    await access(join(dataDir, "keys", "token-signing.key.pem"));
  });
});

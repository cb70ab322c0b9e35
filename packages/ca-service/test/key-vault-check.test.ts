import { describe, expect } from "vitest";
import { KEYVAULT_CHECK_CLI, runCli } from "./support/cli.js";
import { it, test } from "./support/fixtures.js";
import type { TestVault } from "./support/key-vault.js";

// The refusal test injects faults; none outlives its test.
test.afterEach(async ({ vault }) => {
  await vault.emulator.setFaults({ throttle: null, faults: {} });
});

/** The service's settings for the emulator (its TLS certificate trusted), without the vault's URL. */
function settingsWithoutUrl(vault: TestVault): Record<string, string> {
  const { EDGE_PKI_KEYVAULT_URL: _flagInstead, ...env } = vault.env();
  return env;
}

/** The built check, run as an operator runs it, against the emulator. */
const check = (vault: TestVault, prefix: string) =>
  runCli(
    ["--vault-url", vault.emulator.url, "--name-prefix", prefix],
    settingsWithoutUrl(vault),
    KEYVAULT_CHECK_CLI,
  );

/** Whether anything of the certificate is left: as it is, or deleted but not purged. */
async function leftInVault(vault: TestVault, name: string): Promise<string[]> {
  const left: string[] = [];
  const absent = (error: { statusCode?: number }) => {
    if (error.statusCode !== 404) throw error;
  };
  await vault.certificates.getCertificate(name).then(() => left.push("certificate"), absent);
  await vault.certificates.getDeletedCertificate(name).then(() => left.push("deleted certificate"), absent);
  await vault.keys.getKey(name).then(() => left.push("key"), absent);
  return left;
}

describe("pnpm keyvault:check, the conformance check for a real vault", () => {
  it("passes every step against the strict emulator, verifies the chain with openssl, and leaves nothing behind", async ({
    vault,
  }) => {
    const result = await check(vault, "conformance");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split("\n");
    expect(lines[0]).toBe(`Key Vault conformance check of ${vault.emulator.url}`);
    const steps = lines.filter((line) => /^(PASS|FAIL|SKIP) /.test(line));
    expect(steps.map((line) => line.split(" ")[0])).toEqual(Array(8).fill("PASS"));
    expect(steps[5]).toMatch(/^PASS 6\/8 openssl verifies the chain: device\.pem: OK$/);
    expect(steps[6]).toMatch(
      /^PASS 7\/8 versions read back.*: conformance-root: [0-9a-f]{32} \(key-placeholder\) then [0-9a-f]{32}; conformance-issuing: /,
    );
    expect(steps[7]).toBe(
      "PASS 8/8 a pending certificate's key cannot sign (the emulator refuses it): refused: 403 Forbidden Operation sign is not allowed on a disabled key.",
    );
    for (const name of ["conformance-root", "conformance-issuing", "conformance-pending"]) {
      expect(lines).toContain(`cleanup ${name}: deleted and purged`);
      expect(await leftInVault(vault, name)).toEqual([]);
    }
    expect(lines.at(-1)).toBe("result: 8 passed, 0 failed, 0 skipped; nothing left in the vault");
  });

  it("shows the vault's own answer on the step it refused, skips what depends on it, and exits 1 in one line", async ({
    vault,
  }) => {
    await vault.emulator.setFaults({ faults: { errorRate: 1, errorStatus: 403 } });
    const result = await check(vault, "refused");
    expect(result.code).toBe(1);
    const lines = result.stdout.trim().split("\n");
    expect(lines[1]).toMatch(
      /^FAIL 1\/8 root key: a Self placeholder that Key Vault completes: Key Vault https:\/\/127\.0\.0\.1:\d+: read certificate refused-root failed: 403 Caller is not authorized to perform action on resource\. If role assignments/,
    );
    expect(lines.slice(2, 8).map((line) => line.slice(0, 4))).toEqual(Array(6).fill("SKIP"));
    expect(lines[8]).toMatch(
      /^FAIL 8\/8 a pending certificate's key cannot sign .*: 403 Forbidden Caller is not authorized/,
    );
    // The vault refused every create: nothing was made, so there is nothing to clean up or report.
    expect(lines.filter((line) => line.startsWith("cleanup "))).toEqual([]);
    expect(lines.at(-1)).toBe("result: 0 passed, 2 failed, 6 skipped; nothing left in the vault");
    expect(result.stderr.trim().split("\n")).toEqual([
      "edge-pki-keyvault-check: the vault did not pass the conformance check: step 1 (root key: a Self placeholder that Key Vault completes) failed",
    ]);
  });

  it("refuses to run without a vault, in one line, exit 2", async ({ vault }) => {
    const result = await runCli([], settingsWithoutUrl(vault), KEYVAULT_CHECK_CLI);
    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe(
      "edge-pki-keyvault-check: required option '--vault-url <url>' not specified; run edge-pki-keyvault-check --help\n",
    );
  });
});

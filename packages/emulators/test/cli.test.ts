import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCliArguments, startKeyVaultEmulator } from "../src/index.js";
import { credential } from "./helpers.js";

describe("edge-pki-emulators command line", () => {
  let directory: string;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), "kv-emulator-"));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("defaults to https on 127.0.0.1:8444", () => {
    expect(parseCliArguments([])).toEqual({
      help: false,
      options: { host: "127.0.0.1", port: 8444, protocol: "https" },
    });
    expect(parseCliArguments(["--help"])).toEqual({ help: true });
  });

  it("rejects invalid ports, throttles and unknown flags", () => {
    expect(() => parseCliArguments(["--port", "70000"])).toThrow(/--port/);
    expect(() => parseCliArguments(["--ops-per-10s", "0"])).toThrow(/--ops-per-10s/);
    expect(() => parseCliArguments(["--bogus"])).toThrow();
  });

  it("starts an emulator whose written certificate lets the SDK connect", async () => {
    const certificatePath = join(directory, "nested", "kv.pem");
    const command = parseCliArguments(["--port", "0", "--cert-out", certificatePath, "--ops-per-10s", "100"]);
    if (command.help) throw new Error("unexpected help");
    const emulator = await startKeyVaultEmulator(command.options);
    try {
      expect(emulator.caCertificatePath).toBe(certificatePath);
      const ca = await readFile(certificatePath, "utf8");
      expect(ca).toBe(emulator.caCertificatePem);
      const client = new KeyClient(emulator.url, credential, {
        disableChallengeResourceVerification: true,
        tlsOptions: { ca },
      });
      expect((await client.createEcKey("from-cli", { curve: "P-256" })).name).toBe("from-cli");
    } finally {
      await emulator.stop();
    }
  });
});

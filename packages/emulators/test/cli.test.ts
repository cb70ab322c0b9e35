import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KeyVaultEmulator, parseCliArguments, startKeyVaultEmulator } from "../src/index.js";
import { caught, credential, keyClient } from "./helpers.js";

/** A plain HTTPS call to the emulator, without any Authorization header; `Body` is what the caller expects. */
function control<Body = unknown>(
  emulator: KeyVaultEmulator,
  method: "GET" | "POST",
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Body }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${emulator.url}${path}`,
      { method, ca: emulator.caCertificatePem, headers: { "content-type": "application/json" } },
      (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, body: JSON.parse(text) as Body }),
        );
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

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
    // `pnpm emulators -- --port 0` passes the `--` on.
    expect(parseCliArguments(["--", "--port", "0"])).toMatchObject({ options: { port: 0 } });
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

  it("turns the fault flags into throttle and fault options", () => {
    const command = parseCliArguments([
      "--ops-per-10s",
      "5",
      "--throttle-window-ms",
      "60000",
      "--error-rate",
      "0.25",
      "--error-status",
      "403",
      "--latency-ms",
      "150",
      "--outage",
    ]);
    expect(command).toMatchObject({
      options: {
        throttle: { operationsPer10Seconds: 5, windowMs: 60_000 },
        faults: { errorRate: 0.25, errorStatus: 403, latencyMs: 150, outage: true },
      },
    });
    expect(
      parseCliArguments([
        "--create-ops-per-10s",
        "10",
        "--key-ops-per-10s",
        "2000",
        "--vault-ops-per-10s",
        "4000",
        "--no-retry-after",
      ]),
    ).toMatchObject({
      options: {
        throttle: { limits: { createKey: 10, keyOperation: 2000, vault: 4000 }, retryAfter: false },
      },
    });
    expect(() => parseCliArguments(["--no-retry-after"])).toThrow(/need a --\*ops-per-10s limit/);
    expect(parseCliArguments(["--throttle-first-attempts", "createKey,vault"])).toMatchObject({
      options: { faults: { throttleFirstAttempts: ["createKey", "vault"] } },
    });
    expect(() => parseCliArguments(["--throttle-first-attempts", "vault,sign"])).toThrow(
      "Invalid --throttle-first-attempts: vault,sign (types: createKey, keyOperation, vault)",
    );
    expect(() => parseCliArguments(["--error-rate", "2"])).toThrow("Invalid --error-rate: 2");
    expect(() => parseCliArguments(["--error-status", "404"])).toThrow("Invalid --error-status: 404");
    expect(() => parseCliArguments(["--latency-ms", ""])).toThrow("Invalid --latency-ms");
    expect(() => parseCliArguments(["--throttle-window-ms", "1000"])).toThrow(/need a --\*ops-per-10s limit/);
  });

  it("takes faults and reports stats on its control routes, without auth, even during an outage", async () => {
    const emulator = await startKeyVaultEmulator();
    try {
      const client = keyClient(emulator, { maxRetries: 0 });
      await client.createEcKey("controlled", { curve: "P-256" });
      const outage = await control(emulator, "POST", "/_emulator/faults", { faults: { outage: true } });
      expect(outage).toEqual({ status: 200, body: { applied: { faults: { outage: true } } } });
      expect(await caught(() => client.getKey("controlled"))).toMatchObject({ statusCode: 503 });
      const stats = await control<KeyVaultEmulator["stats"]>(emulator, "GET", "/_emulator/stats");
      expect(stats.status).toBe(200);
      expect(stats.body).toEqual(emulator.stats);
      expect(stats.body.faults).toBeGreaterThan(0);
      expect((await control(emulator, "POST", "/_emulator/faults", { faults: {} })).status).toBe(200);
      expect((await client.getKey("controlled")).name).toBe("controlled");

      const refused = await control(emulator, "POST", "/_emulator/faults", {
        faults: { outage: "connection-refused" },
      });
      expect(refused).toMatchObject({ status: 400, body: { error: { code: "BadParameter" } } });
      const invalid = await control(emulator, "POST", "/_emulator/faults", { faults: { errorRate: 3 } });
      expect(invalid).toMatchObject({
        status: 400,
        body: { error: { message: "faults.errorRate must be between 0 and 1" } },
      });
      expect((await control(emulator, "POST", "/_emulator/bogus", {})).status).toBe(404);
    } finally {
      await emulator.stop();
    }
  });
});

import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect } from "vitest";
import { checkDeviceFiles, EdgePkiClient } from "../src/index.js";
import { runEdgePki, spawnEdgePki } from "./support/edge-pki-cli.js";
import { test } from "./support/fixtures.js";
import { openssl } from "./support/openssl.js";

const DEVICES = 1000;
const JOURNAL = "edge-pki-batch.journal.jsonl";

/** The journal's entries of one type, by device; a line torn by the kill is skipped. */
async function journalled(out: string, type: "requested" | "issued"): Promise<Set<string>> {
  const text = await readFile(join(out, JOURNAL), "utf8").catch(() => "");
  const ids = new Set<string>();
  for (const line of text.split("\n")) {
    try {
      const entry = JSON.parse(line);
      if (entry.type === type) ids.add(entry.deviceId);
    } catch {}
  }
  return ids;
}

describe("edge-pki batch on a manufacturing line", () => {
  test("1,000 devices, killed (SIGKILL) midway with answers in flight, re-run: every device has valid files and one certificate", {
    timeout: 300_000,
  }, async ({ ca, dir }) => {
    const input = join(dir, "devices.csv");
    const ids = Array.from({ length: DEVICES }, (_, index) => `line7-${String(index).padStart(4, "0")}`);
    await writeFile(
      input,
      ["deviceId,station", ...ids.map((id, index) => `${id},st-${index % 4}`)].join("\n"),
    );
    const out = join(dir, "out");
    const env = { EDGE_PKI_URL: ca.url, EDGE_PKI_TOKEN_FILE: join(ca.dataDir, "admin.token") };

    const first = spawnEdgePki(["batch", "--input", input, "--out", out, "--concurrency", "16"], env);
    const exited = new Promise((resolve) => first.once("exit", resolve));
    // Bounded wait until about a third is done.
    for (let waited = 0; (await journalled(out, "issued")).size < DEVICES / 3; waited += 100) {
      if (waited > 120_000 || first.exitCode !== null)
        throw new Error("the first run never got a third of the way");
      await sleep(100);
    }
    // Freeze it with requests in flight, let the CA answer them, then kill it: the answers are never
    // read, so those devices have a certificate on the CA and no files here.
    first.kill("SIGSTOP");
    await sleep(1_000);
    first.kill("SIGKILL");
    await exited;

    const admin = new EdgePkiClient({ baseUrl: ca.url, credential: ca.adminToken });
    const requested = await journalled(out, "requested");
    const issuedBeforeKill = await journalled(out, "issued");
    const answeredButUnwritten: string[] = [];
    for (const id of requested) {
      if (issuedBeforeKill.has(id)) continue;
      if ((await admin.listDeviceCertificates(id)).items.length > 0) answeredButUnwritten.push(id);
    }
    expect(answeredButUnwritten.length).toBeGreaterThan(0);

    const second = await runEdgePki(
      ["batch", "--input", input, "--out", out, "--concurrency", "16", "--json"],
      env,
    );
    expect(second.stderr).not.toMatch(/\n\s+at /);
    expect(second.code).toBe(0);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ devices: DEVICES, failed: 0, failures: [] });
    expect(summary.alreadyComplete).toBeGreaterThanOrEqual(issuedBeforeKill.size);
    expect(summary.issued + summary.alreadyComplete).toBe(DEVICES);

    // The CA's records: exactly one certificate per device, the one in its files.
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8"));
    expect(manifest.devices).toHaveLength(DEVICES);
    let next = 0;
    const problems: string[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < DEVICES) {
          const index = next++;
          const id = ids[index] as string;
          const row = manifest.devices[index];
          const { items } = await admin.listDeviceCertificates(id);
          if (items.length !== 1) problems.push(`${id}: ${items.length} certificates on the CA`);
          if (items[0]?.serialNumber !== row.serialNumber)
            problems.push(`${id}: the manifest's serial is not the CA's`);
          if (items[0]?.sha256Fingerprint !== row.sha256Fingerprint) {
            problems.push(`${id}: fingerprint differs`);
          }
          const check = await checkDeviceFiles(out, id);
          if (!check.ok) problems.push(`${id}: ${check.problems.map((problem) => problem.code).join(", ")}`);
        }
      }),
    );
    expect(problems).toEqual([]);
    expect(manifest.devices[1]).toMatchObject({ deviceId: ids[1], columns: { station: "st-1" } });

    // openssl agrees for a device whose answer was lost in the kill.
    const id = answeredButUnwritten[0] as string;
    const chain = join(out, "certs", `iot-edge-device-identity-${id}-full-chain.cert.pem`);
    const verified = await openssl([
      "verify",
      "-CAfile",
      join(out, "certs", "edge-pki-root-ca.cert.pem"),
      "-untrusted",
      chain,
      chain,
    ]);
    expect(verified.code).toBe(0);

    // A third run has nothing to do.
    const third = await runEdgePki(["batch", "--input", input, "--out", out, "--json"], env);
    expect(JSON.parse(third.stdout)).toMatchObject({ issued: 0, alreadyComplete: DEVICES, failed: 0 });
  });
});

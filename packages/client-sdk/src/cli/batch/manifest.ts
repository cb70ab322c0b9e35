import { readFile, rename, writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "csv-stringify/sync";
import type { DeviceRow } from "./read-devices.js";
import type { DeviceOutcome } from "./run-batch.js";

export const MANIFEST_CSV = "manifest.csv";
export const MANIFEST_JSON = "manifest.json";

/** The manifest's own columns, before the input's other columns. */
export const MANIFEST_COLUMNS: readonly string[] = [
  "deviceId",
  "status",
  "serialNumber",
  "notAfter",
  "sha256Fingerprint",
  "fullChain",
  "certificate",
  "privateKey",
  "root",
  "error",
];

/**
 * Writes `manifest.csv` and `manifest.json` in the output folder: per device, in input order, its
 * status, serial number, notAfter, SHA-256 fingerprint and files (relative to the folder), then the
 * input's other columns. Each run rewrites both, atomically; devices a run does not name (an earlier
 * run into the same folder with another input) keep their entries, after this run's.
 */
export async function writeManifest(
  outDir: string,
  batchId: string,
  rows: readonly DeviceRow[],
  extraColumns: readonly string[],
  outcomes: readonly DeviceOutcome[],
): Promise<{ csv: string; json: string }> {
  const devices: ManifestDevice[] = outcomes.map((outcome, index) => {
    const columns = rows[index]?.columns ?? {};
    if (outcome.status === "failed")
      return { deviceId: outcome.deviceId, status: outcome.status, error: outcome.error, columns };
    const files = Object.fromEntries(
      Object.entries(outcome.files).map(([name, path]) => [name, relative(outDir, path)]),
    );
    return { deviceId: outcome.deviceId, status: outcome.status, ...outcome.certificate, files, columns };
  });
  const named = new Set(devices.map((device) => device.deviceId.toLowerCase()));
  const kept = (await earlierDevices(outDir)).filter((device) => !named.has(device.deviceId.toLowerCase()));
  devices.push(...kept);
  const header = [...MANIFEST_COLUMNS, ...extraColumns];
  const records = devices.map((device) => {
    return [
      device.deviceId,
      device.status,
      device.serialNumber ?? "",
      device.notAfter ?? "",
      device.sha256Fingerprint ?? "",
      device.files?.fullChain ?? "",
      device.files?.certificate ?? "",
      device.files?.privateKey ?? "",
      device.files?.root ?? "",
      device.error ?? "",
      ...extraColumns.map((name) => device.columns[name] ?? ""),
    ];
  });
  const csv = join(outDir, MANIFEST_CSV);
  const json = join(outDir, MANIFEST_JSON);
  await replace(csv, stringify([header, ...records]));
  await replace(
    json,
    `${JSON.stringify({ batchId, writtenAt: new Date().toISOString(), devices }, null, 2)}\n`,
  );
  return { csv, json };
}

type ManifestDevice = {
  deviceId: string;
  status: string;
  error?: string;
  columns: Record<string, string>;
} & Partial<{
  serialNumber: string;
  notAfter: string;
  sha256Fingerprint: string;
  files: Record<string, string>;
}>;

/** The devices of the folder's manifest as an earlier run left it; none when there is none. */
async function earlierDevices(outDir: string): Promise<ManifestDevice[]> {
  const text = await readFile(join(outDir, MANIFEST_JSON), "utf8").catch(() => undefined);
  if (text === undefined) return [];
  const devices = (JSON.parse(text) as { devices?: unknown }).devices;
  return Array.isArray(devices) ? (devices as ManifestDevice[]) : [];
}

async function replace(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content, { mode: 0o644 });
  await rename(temporary, path);
}

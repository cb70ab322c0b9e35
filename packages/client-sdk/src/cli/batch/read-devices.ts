import { readFile } from "node:fs/promises";
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { parse } from "csv-parse/sync";
import { MANIFEST_COLUMNS } from "./manifest.js";

/** One row of the input: the device ID, and the other columns, kept for the manifest. */
export interface DeviceRow {
  deviceId: string;
  columns: Record<string, string>;
}

export interface DeviceList {
  rows: DeviceRow[];
  /** The other columns' names, in the input's order. */
  extraColumns: string[];
}

/** At most this many bad rows are named; the count says how many there are. */
const PROBLEMS_SHOWN = 10;

/**
 * Reads the batch input: CSV with a header row and a `deviceId` column (other columns are kept).
 * Refused in one line: an empty file, a header without devices, a column named twice (a second
 * `deviceId` would silently win), a column the manifest writes itself (`status`, `error`, …). Every
 * device ID is checked against the DPS rule, and duplicates refused, before any request; IDs compare
 * without regard to case, as DPS registration IDs (and the CA) do.
 */
export async function readDevices(path: string): Promise<DeviceList> {
  let header: string[] | undefined;
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(path), {
      columns: (names: string[]) => {
        header = names;
        return names;
      },
      bom: true,
      trim: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (header === undefined) throw new Error(`${path} is empty: it needs a header row with a deviceId column`);
  assertHeader(path, header);
  if (records.length === 0) throw new Error(`${path} has a header row but no devices`);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const rows = records.map((record, index) => {
    const line = index + 2;
    const { deviceId = "", ...columns } = record;
    if (!DEVICE_ID_PATTERN.test(deviceId))
      problems.push(`line ${line}: ${JSON.stringify(deviceId)} is not a valid device ID`);
    const key = deviceId.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push(
        `line ${line}: ${deviceId} is already on line ${earlier} (device IDs are case-insensitive)`,
      );
    } else seen.set(key, line);
    return { deviceId, columns };
  });
  if (problems.length > 0) {
    const more = problems.length > PROBLEMS_SHOWN ? [`… and ${problems.length - PROBLEMS_SHOWN} more`] : [];
    throw new Error(
      [
        `${path}: ${problems.length} bad row(s); device IDs are ${DEVICE_ID_RULE}`,
        ...problems.slice(0, PROBLEMS_SHOWN),
        ...more,
      ].join("\n"),
    );
  }
  return { rows, extraColumns: header.filter((name) => name !== "deviceId") };
}

function assertHeader(path: string, header: readonly string[]): void {
  if (!header.includes("deviceId")) {
    throw new Error(`${path} has no deviceId column (its columns: ${header.join(", ")})`);
  }
  const twice = header.find((name, index) => header.indexOf(name) !== index);
  if (twice !== undefined) throw new Error(`${path} names the column ${twice} twice in its header`);
  const taken = header.find((name) => name !== "deviceId" && MANIFEST_COLUMNS.includes(name));
  if (taken !== undefined) {
    throw new Error(
      `${path} has a column ${taken}, which the manifest writes itself (${MANIFEST_COLUMNS.join(", ")}): rename it, for example to input_${taken}`,
    );
  }
}

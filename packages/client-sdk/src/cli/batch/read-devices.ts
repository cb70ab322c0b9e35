import { readFile } from "node:fs/promises";
import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { parse } from "csv-parse/sync";

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
 * Every device ID is checked against the DPS rule, and duplicates refused, before any request.
 */
export async function readDevices(path: string): Promise<DeviceList> {
  let records: Record<string, string>[];
  try {
    records = parse(await readFile(path), {
      columns: true,
      bom: true,
      trim: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
  } catch (error) {
    throw new Error(`cannot read ${path}: ${(error as Error).message}`);
  }
  const header = Object.keys(records[0] ?? {});
  if (records.length > 0 && !header.includes("deviceId")) {
    throw new Error(`${path} has no deviceId column (its columns: ${header.join(", ")})`);
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  const rows = records.map((record, index) => {
    const line = index + 2;
    const { deviceId = "", ...columns } = record;
    if (!DEVICE_ID_PATTERN.test(deviceId))
      problems.push(`line ${line}: ${JSON.stringify(deviceId)} is not a valid device ID`);
    const earlier = seen.get(deviceId);
    if (earlier !== undefined) problems.push(`line ${line}: ${deviceId} is already on line ${earlier}`);
    seen.set(deviceId, line);
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

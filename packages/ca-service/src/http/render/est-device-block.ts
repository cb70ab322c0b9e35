import type { EstDeviceBlock } from "@edge-pki/api-contract";
import { CaError } from "../../core/errors.js";
import type { EstDeviceBlockRecord } from "../../ports/est-credential-store.js";

/** A device's EST block as the API shows it. */
export function renderEstDeviceBlock(record: EstDeviceBlockRecord): EstDeviceBlock {
  return {
    deviceId: record.deviceId,
    reason: record.reason,
    blockedAt: record.blockedAt.toISOString(),
    blockedBy: record.blockedBy,
  };
}

/** The `next` cursor of a page of blocks: where its last block stands in the order listed. */
export function blockCursor(last: EstDeviceBlockRecord): string {
  return Buffer.from(JSON.stringify([last.blockedAt.toISOString(), last.deviceId])).toString("base64url");
}

/** A cursor `blockCursor` made; anything else is a bad request. */
export function parseBlockCursor(cursor: string): { blockedAt: Date; deviceId: string } {
  try {
    const [blockedAt, deviceId] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const at = new Date(String(blockedAt));
    if (typeof deviceId === "string" && typeof blockedAt === "string" && !Number.isNaN(at.getTime())) {
      return { blockedAt: at, deviceId };
    }
  } catch {
    // Refused below, as every cursor that is not ours.
  }
  throw new CaError("invalid_request", "after must be the next cursor of a previous page", {
    errors: [{ field: "after", message: "not a cursor this service made" }],
  });
}

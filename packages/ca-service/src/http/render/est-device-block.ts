import type { EstDeviceBlock } from "@edge-pki/api-contract";
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

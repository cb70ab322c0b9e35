import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { CaError } from "./errors.js";

/** Refuses a device ID that DPS would not accept as an X.509 registration ID. */
export function assertValidDeviceId(deviceId: string, field = "deviceId"): void {
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    const message = `${field} must be ${DEVICE_ID_RULE}`;
    throw new CaError("invalid_device_id", message, { errors: [{ field, message }] });
  }
}

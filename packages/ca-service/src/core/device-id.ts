import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { CaError } from "./errors.js";

/** Refuses a device ID that DPS would not accept as an X.509 registration ID. */
export function assertValidDeviceId(deviceId: string, field = "deviceId"): void {
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    const message = `${field} must be ${DEVICE_ID_RULE}`;
    throw new CaError("invalid_device_id", message, { errors: [{ field, message }] });
  }
}

/**
 * What decides whether two device IDs are one device: DPS compares registration IDs without regard
 * to case, so `line7-1`, `Line7-1` and `LINE7-1` are one registration. The alphabet is ASCII, so lower
 * case is exact. Certificates keep the CN exactly as requested; only decisions use this.
 */
export function deviceIdKey(deviceId: string): string {
  return deviceId.toLowerCase();
}

export function isSameDevice(a: string, b: string): boolean {
  return deviceIdKey(a) === deviceIdKey(b);
}

/** Whether a device ID falls under a token's device prefix, compared as DPS compares IDs. */
export function hasDevicePrefix(deviceId: string, prefix: string): boolean {
  return deviceIdKey(deviceId).startsWith(deviceIdKey(prefix));
}

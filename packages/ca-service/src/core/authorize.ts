import { hasDevicePrefix, isSameDevice } from "./device-id.js";
import { CaError } from "./errors.js";
import type { Permission } from "./permissions.js";
import type { Principal } from "./principal.js";
import { permissionsOf } from "./roles.js";

/** Refuses a caller that holds none of the permissions an operation requires, naming what is missing. */
export function authorize(principal: Principal, required: readonly Permission[]): void {
  const held = permissionsOf(principal.roles);
  if (required.some((permission) => held.has(permission))) return;
  const missing = required.length === 1 ? required[0] : `one of ${required.join(", ")}`;
  throw new CaError("forbidden", `the token lacks the permission ${missing}`);
}

/** How the device's certificate would be produced. */
export type IssuanceRoute = "csr" | "generated-key" | "bootstrap-token";

/**
 * Confines issuance to what the token allows: a bootstrap token to a CSR for its own device, a
 * prefix-bound token or EST credential to device IDs that start with its prefix, a one-device EST
 * credential to its device.
 */
export function assertMayIssueFor(principal: Principal, deviceId: string, route: IssuanceRoute): void {
  if (principal.bootstrap !== undefined) {
    if (route !== "csr") {
      throw new CaError("forbidden", "a bootstrap token is redeemable only for a CSR-based certificate");
    }
    if (!isSameDevice(deviceId, principal.subject)) {
      throw new CaError(
        "forbidden",
        `this bootstrap token is for device ${principal.subject}, not ${deviceId}`,
      );
    }
  }
  if (principal.deviceId !== undefined && !isSameDevice(deviceId, principal.deviceId)) {
    throw new CaError("forbidden", `this credential is for device ${principal.deviceId}, not ${deviceId}`);
  }
  if (principal.devicePrefix !== undefined && !hasDevicePrefix(deviceId, principal.devicePrefix)) {
    throw new CaError(
      "forbidden",
      `the token may only issue for device IDs starting with '${principal.devicePrefix}'; ${deviceId} does not`,
    );
  }
}

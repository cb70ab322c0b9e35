import { CaError } from "../core/errors.js";
import type { ListOptions } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";
import type { EstCredentialStore, EstDeviceBlockRecord } from "../ports/est-credential-store.js";

const DEFAULT_LIMIT = 100;

/**
 * Blocks a device from EST: from the next request on, on every replica (each enrolment reads the
 * block), no credential enrols or re-enrols it, a manufacturer's bootstrap certificate included,
 * which cannot be revoked. Blocking a blocked device changes nothing and returns its block.
 */
export async function blockEstDevice(
  deps: { store: Pick<EstCredentialStore, "blockEstDevice">; clock: Clock },
  request: { deviceId: string; reason: string | undefined; actor: string },
): Promise<{ record: EstDeviceBlockRecord; changed: boolean }> {
  const at = deps.clock.now();
  const reason = request.reason ?? null;
  return deps.store.blockEstDevice({
    block: { deviceId: request.deviceId, reason, blockedAt: at, blockedBy: request.actor },
    audit: {
      at,
      actor: request.actor,
      action: "est-device.block",
      target: request.deviceId,
      outcome: "success",
      ...(reason !== null && { details: { reason } }),
    },
  });
}

/** Lifts a device's EST block; not_found when it had none. */
export async function unblockEstDevice(
  deps: { store: Pick<EstCredentialStore, "unblockEstDevice">; clock: Clock },
  request: { deviceId: string; actor: string },
): Promise<EstDeviceBlockRecord> {
  const at = deps.clock.now();
  const lifted = await deps.store.unblockEstDevice({
    deviceId: request.deviceId,
    audit: {
      at,
      actor: request.actor,
      action: "est-device.unblock",
      target: request.deviceId,
      outcome: "success",
    },
  });
  if (lifted === undefined)
    throw new CaError("not_found", `the device ${request.deviceId} is not blocked from EST`);
  return lifted;
}

/** The devices blocked from EST, newest first. */
export function listEstDeviceBlocks(
  deps: { store: Pick<EstCredentialStore, "listEstDeviceBlocks"> },
  request: Partial<ListOptions>,
): Promise<EstDeviceBlockRecord[]> {
  return deps.store.listEstDeviceBlocks({ limit: request.limit ?? DEFAULT_LIMIT });
}

/** Refuses an EST enrolment of a blocked device: 403, naming neither who blocked it nor why. */
export async function refuseBlockedEstDevice(
  deps: { store: Pick<EstCredentialStore, "findEstDeviceBlock"> },
  deviceId: string,
): Promise<void> {
  if ((await deps.store.findEstDeviceBlock(deviceId)) !== undefined) {
    throw new CaError("forbidden", `the device ${deviceId} is blocked from EST enrolment`);
  }
}

import { CaError } from "../core/errors.js";
import type { Clock } from "../ports/clock.js";
import type {
  EstCredentialStore,
  EstDeviceBlockListOptions,
  EstDeviceBlockRecord,
} from "../ports/est-credential-store.js";

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
  if (lifted === undefined) throw notBlocked(request.deviceId);
  return lifted;
}

/**
 * A page of the devices blocked from EST, newest first, after the last block of the previous page;
 * `next` is the last block of this one when the page is full (there may be more).
 */
export async function listEstDeviceBlocks(
  deps: { store: Pick<EstCredentialStore, "listEstDeviceBlocks"> },
  request: { limit?: number | undefined; after?: EstDeviceBlockListOptions["after"] },
): Promise<{ records: EstDeviceBlockRecord[]; next: EstDeviceBlockRecord | undefined }> {
  const limit = request.limit ?? DEFAULT_LIMIT;
  const records = await deps.store.listEstDeviceBlocks({ limit, after: request.after });
  return { records, next: records.length === limit ? records.at(-1) : undefined };
}

/** A device's EST block; not_found when it has none. */
export async function findEstDeviceBlock(
  deps: { store: Pick<EstCredentialStore, "findEstDeviceBlock"> },
  deviceId: string,
): Promise<EstDeviceBlockRecord> {
  const block = await deps.store.findEstDeviceBlock(deviceId);
  if (block === undefined) throw notBlocked(deviceId);
  return block;
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

function notBlocked(deviceId: string): CaError {
  return new CaError("not_found", `the device ${deviceId} is not blocked from EST`);
}

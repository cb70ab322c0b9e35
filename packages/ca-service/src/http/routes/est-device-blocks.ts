import type { Operations } from "@edge-pki/api-contract";
import { blockEstDevice, listEstDeviceBlocks, unblockEstDevice } from "../../app/est-device-blocks.js";
import type { ServiceContext } from "../../app/service-context.js";
import { identityOf } from "../../core/principal.js";
import type { Handlers } from "../handler.js";
import { renderEstDeviceBlock } from "../render/est-device-block.js";

/** Devices blocked from EST: blocking one, listing them, lifting a block. */
export function estDeviceBlockHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "blockEstDevice" | "listBlockedEstDevices" | "unblockEstDevice"> {
  return {
    blockEstDevice: async ({ body, principal }) => {
      const { record } = await blockEstDevice(context, {
        deviceId: body.deviceId,
        reason: body.reason,
        actor: identityOf(principal),
      });
      return { body: renderEstDeviceBlock(record) };
    },
    listBlockedEstDevices: async ({ query }) => {
      const records = await listEstDeviceBlocks(context, { limit: query.limit });
      return { body: { items: records.map(renderEstDeviceBlock) } };
    },
    unblockEstDevice: async ({ params, principal }) => {
      const lifted = await unblockEstDevice(context, {
        deviceId: params.deviceId,
        actor: identityOf(principal),
      });
      return { body: renderEstDeviceBlock(lifted) };
    },
  };
}

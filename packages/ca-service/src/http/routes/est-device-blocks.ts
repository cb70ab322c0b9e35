import type { Operations } from "@edge-pki/api-contract";
import {
  blockEstDevice,
  findEstDeviceBlock,
  listEstDeviceBlocks,
  unblockEstDevice,
} from "../../app/est-device-blocks.js";
import type { ServiceContext } from "../../app/service-context.js";
import { identityOf } from "../../core/principal.js";
import type { Handlers } from "../handler.js";
import { blockCursor, parseBlockCursor, renderEstDeviceBlock } from "../render/est-device-block.js";

/** Devices blocked from EST: blocking one, listing them, looking one up, lifting a block. */
export function estDeviceBlockHandlers(
  context: ServiceContext,
): Pick<
  Handlers<Operations>,
  "blockEstDevice" | "listBlockedEstDevices" | "getEstDeviceBlock" | "unblockEstDevice"
> {
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
      const page = await listEstDeviceBlocks(context, {
        limit: query.limit,
        after: query.after === undefined ? undefined : parseBlockCursor(query.after),
      });
      return {
        body: {
          items: page.records.map(renderEstDeviceBlock),
          next: page.next === undefined ? null : blockCursor(page.next),
        },
      };
    },
    getEstDeviceBlock: async ({ params }) => ({
      body: renderEstDeviceBlock(await findEstDeviceBlock(context, params.deviceId)),
    }),
    unblockEstDevice: async ({ params, principal }) => {
      const lifted = await unblockEstDevice(context, {
        deviceId: params.deviceId,
        actor: identityOf(principal),
      });
      return { body: renderEstDeviceBlock(lifted) };
    },
  };
}

import {
  BlockEstDeviceRequest,
  EST_BLOCK_REASON_MAX_LENGTH,
  EST_BLOCK_REASON_RULE,
} from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import type { EdgePkiClient } from "../../client.js";
import type { EstDeviceBlock } from "../../contract-types.js";
import { deviceIdArgument } from "../device-id.js";
import { limitOption } from "../limit.js";
import { printResult } from "../output.js";
import { openSession } from "../settings.js";

/** `est-device block|list|show|unblock`: devices blocked from EST, through the API (admin). */
export function addEstDeviceCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const devices = program
    .command("est-device")
    .description(
      "block a device from EST whatever credential it holds, list or show blocks, lift one (admin)",
    );

  const block = devices
    .command("block")
    .description(
      "block a device from EST: no bootstrap certificate, EST identity or Basic password enrols it any more",
    )
    .argument("<device-id>", "the device (compared without regard to case)")
    .option(
      "--reason <text>",
      `why, for the operators who read the list (at most ${EST_BLOCK_REASON_MAX_LENGTH} characters)`,
    );
  block.action(async (deviceId: string) => {
    const { reason } = block.opts<{ reason?: string }>();
    if (reason !== undefined && !BlockEstDeviceRequest.shape.reason.safeParse(reason).success) {
      throw new UsageError(`--reason must be ${EST_BLOCK_REASON_RULE}`);
    }
    const request = { deviceId: deviceIdArgument(deviceId), reason };
    const { client, json } = openSession(block, env);
    const blocked = await client.blockEstDevice(request);
    printResult(json, blocked, () => [`blocked ${blocked.deviceId} from EST (since ${blocked.blockedAt})`]);
  });

  const list = devices
    .command("list")
    .description("the devices blocked from EST, newest first: all of them, or the first --limit")
    .option("--limit <n>", "at most this many, 1 to 1000");
  list.action(async () => {
    const { limit: given } = list.opts<{ limit?: string }>();
    const limit = given === undefined ? undefined : limitOption(given);
    const { client, json } = openSession(list, env);
    const items = await allBlocks(client, limit);
    printResult(json, items, () => items.map(describe));
  });

  const show = devices
    .command("show")
    .description("a device's EST block; exit 1 when it is not blocked")
    .argument("<device-id>", "the device (compared without regard to case)");
  show.action(async (deviceId: string) => {
    const id = deviceIdArgument(deviceId);
    const { client, json } = openSession(show, env);
    const block = await client.getEstDeviceBlock(id);
    printResult(json, block, () => [describe(block)]);
  });

  const unblock = devices
    .command("unblock")
    .description("lift a device's EST block")
    .argument("<device-id>", "the device (compared without regard to case)");
  unblock.action(async (deviceId: string) => {
    const id = deviceIdArgument(deviceId);
    const { client, json } = openSession(unblock, env);
    const lifted = await client.unblockEstDevice(id);
    printResult(json, lifted, () => [`unblocked ${lifted.deviceId}: it may enrol over EST again`]);
  });
}

/** Every block, page after page, or the first `limit`. */
async function allBlocks(client: EdgePkiClient, limit: number | undefined): Promise<EstDeviceBlock[]> {
  const items: EstDeviceBlock[] = [];
  let after: string | undefined;
  for (;;) {
    const page = await client.listBlockedEstDevices({ limit: limit ?? 1000, after });
    items.push(...page.items);
    if (limit !== undefined || page.next === null) return items;
    after = page.next;
  }
}

function describe(block: EstDeviceBlock): string {
  return `${block.deviceId}  ${block.blockedAt}  ${block.blockedBy}${block.reason === null ? "" : `  ${block.reason}`}`;
}

import { BlockEstDeviceRequest, EST_BLOCK_REASON_MAX_LENGTH } from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import type { EstDeviceBlock } from "../../contract-types.js";
import { deviceIdArgument } from "../device-id.js";
import { limitOption } from "../limit.js";
import { printResult } from "../output.js";
import { openSession } from "../settings.js";

/** `est-device block|list|unblock`: devices blocked from EST, through the API (admin). */
export function addEstDeviceCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const devices = program
    .command("est-device")
    .description("block a device from EST whatever credential it holds, list the blocks, lift one (admin)");

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
      throw new UsageError(
        `--reason must be 1 to ${EST_BLOCK_REASON_MAX_LENGTH} characters without control characters`,
      );
    }
    const request = { deviceId: deviceIdArgument(deviceId), reason };
    const { client, json } = openSession(block, env);
    const blocked = await client.blockEstDevice(request);
    printResult(json, blocked, () => [`blocked ${blocked.deviceId} from EST (since ${blocked.blockedAt})`]);
  });

  const list = devices
    .command("list")
    .description("the devices blocked from EST, newest first")
    .option("--limit <n>", "at most this many, 1 to 1000", "100");
  list.action(async () => {
    const limit = limitOption(list.opts<{ limit: string }>().limit);
    const { client, json } = openSession(list, env);
    const { items } = await client.listBlockedEstDevices({ limit });
    printResult(json, items, () => items.map(describe));
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

function describe(block: EstDeviceBlock): string {
  return `${block.deviceId}  ${block.blockedAt}  ${block.blockedBy}${block.reason === null ? "" : `  ${block.reason}`}`;
}

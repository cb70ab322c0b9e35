import type { HostCommand } from "@edge-pki/host-kit/cli";
import { deviceIdArgument } from "../device-id.js";
import { durationSeconds } from "../duration.js";
import { note, printResult } from "../output.js";
import { openSession } from "../settings.js";

/** `bootstrap-token <deviceId> [--ttl]`: the token alone on stdout, so that it can be piped. */
export function addBootstrapTokenCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const command = program
    .command("bootstrap-token")
    .description("mint a one-time token with which one device gets one certificate; prints only the token")
    .argument("<deviceId>", "the device that may redeem it")
    .option("--ttl <duration>", "lifetime: 60s to 24h, such as 900s, 15m or 2h", "15m");
  command.action(async (deviceIdValue: string) => {
    const deviceId = deviceIdArgument(deviceIdValue);
    const ttlSeconds = durationSeconds("--ttl", command.opts<{ ttl: string }>().ttl, 60, 86_400);
    const { client, json } = openSession(command, env);
    const minted = await client.createBootstrapToken(deviceId, { ttlSeconds });
    printResult(json, minted, () => [minted.token]);
    if (!json) note(`one-time token for ${deviceId}, valid until ${minted.expiresAt}`);
  });
}

import {
  DEVICE_PREFIX_PATTERN,
  DEVICE_PREFIX_RULE,
  EST_CREDENTIAL_MAX_SECONDS,
  EST_USERNAME_PATTERN,
  EstCredentialIdParams,
} from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import type { EstCredential } from "../../contract-types.js";
import { deviceIdArgument } from "../device-id.js";
import { durationSeconds } from "../duration.js";
import { limitOption } from "../limit.js";
import { note, printResult } from "../output.js";
import { openSession } from "../settings.js";

interface CreateFlags {
  devicePrefix?: string;
  deviceId?: string;
  ttl?: string;
}

/** `est-credential create|list|revoke`: EST Basic credentials through the API (admin). */
export function addEstCredentialCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const credentials = program
    .command("est-credential")
    .description("HTTP Basic credentials for EST enrollment: create, list, revoke (admin)");

  const create = credentials
    .command("create")
    .description("create a credential; prints only its generated password, which is shown this once")
    .argument("<username>", "the Basic username (unique without regard to case, never reused)")
    .option("--device-prefix <prefix>", "a fleet: the devices whose ID starts with the prefix")
    .option("--device-id <id>", "one device: this ID only")
    .option("--ttl <duration>", "lifetime, such as 30d (default: until revoked)");
  create.action(async (username: string) => {
    const flags = create.opts<CreateFlags>();
    if (!EST_USERNAME_PATTERN.test(username)) {
      throw new UsageError(
        `username ${JSON.stringify(username)} is not valid: 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '@' or '-'`,
      );
    }
    if ((flags.devicePrefix === undefined) === (flags.deviceId === undefined)) {
      throw new UsageError("give exactly one of --device-prefix (a fleet) and --device-id (one device)");
    }
    if (flags.devicePrefix !== undefined && !DEVICE_PREFIX_PATTERN.test(flags.devicePrefix)) {
      throw new UsageError(`--device-prefix must be ${DEVICE_PREFIX_RULE}`);
    }
    const deviceId = flags.deviceId === undefined ? undefined : deviceIdArgument(flags.deviceId);
    const ttlSeconds =
      flags.ttl === undefined
        ? undefined
        : durationSeconds("--ttl", flags.ttl, 60, EST_CREDENTIAL_MAX_SECONDS);
    const { client, json } = openSession(create, env);
    const created = await client.createEstCredential({
      username,
      devicePrefix: flags.devicePrefix,
      deviceId,
      ttlSeconds,
    });
    printResult(json, created, () => [created.password]);
    if (!json) note(`EST credential ${created.id} for ${created.username}: may enroll ${scopeOf(created)}`);
  });

  const list = credentials
    .command("list")
    .description("the EST credentials, newest first (never a password)")
    .option("--limit <n>", "at most this many, 1 to 1000", "100");
  list.action(async () => {
    const limit = limitOption(list.opts<{ limit: string }>().limit);
    const { client, json } = openSession(list, env);
    const { items } = await client.listEstCredentials({ limit });
    printResult(json, items, () =>
      items.map(
        (item) =>
          `${item.id}  ${item.username}  ${scopeOf(item)}  ${item.expiresAt ?? "never"}  ${item.status}`,
      ),
    );
  });

  const revoke = credentials
    .command("revoke")
    .description("revoke a credential by its id: every replica refuses it within seconds")
    .argument("<id>", "the credential's id, as est-credential list shows it");
  revoke.action(async (id: string) => {
    if (!EstCredentialIdParams.safeParse({ id }).success) {
      throw new UsageError(`${JSON.stringify(id)} is not an EST credential's id (32 hexadecimal digits)`);
    }
    const { client, json } = openSession(revoke, env);
    const revoked = await client.revokeEstCredential(id);
    printResult(json, revoked, () => [`revoked EST credential ${revoked.id} (username ${revoked.username})`]);
  });
}

function scopeOf(credential: EstCredential): string {
  return credential.devicePrefix === null
    ? `device ${credential.deviceId}`
    : `prefix ${credential.devicePrefix}`;
}

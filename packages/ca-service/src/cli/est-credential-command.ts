import {
  CreateEstCredentialRequest,
  EST_CREDENTIAL_MAX_SECONDS,
  EstCredentialIdParams,
} from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { createEstCredential } from "../app/create-est-credential.js";
import { listEstCredentials } from "../app/list-est-credentials.js";
import { revokeEstCredential } from "../app/revoke-est-credential.js";
import { parseDuration } from "../core/duration.js";
import { renderEstCredential } from "../http/render/est-credential.js";
import { secureRandom, systemClock } from "../ports/clock.js";
import { addListCommand } from "./list-command.js";
import { openTokenRegistry } from "./open-token-registry.js";
import { environmentWithFlags } from "./setting-flags.js";

interface CreateFlags {
  devicePrefix?: string;
  deviceId?: string;
  ttl?: string;
  passwordStdin?: boolean;
}

/** `est-credential create|list|revoke`: HTTP Basic credentials for EST enrollment, on this host's store. */
export function addEstCredentialCommand(program: HostCommand): void {
  const credentials = program
    .command("est-credential")
    .description("HTTP Basic credentials for EST enrollment: create, list, revoke");
  credentials.on("command:*", () =>
    credentials.error("expected 'est-credential create', 'est-credential list' or 'est-credential revoke'"),
  );
  const create = credentials
    .command("create")
    .description(
      "create a credential, audited; prints the password on stdout and nothing else there (it is shown only this once)",
    )
    .argument("<username>", "the Basic username (unique without regard to case, never reused)")
    .option("--device-prefix <prefix>", "a fleet: the devices whose ID starts with the prefix")
    .option("--device-id <id>", "one device: this ID only")
    .option("--ttl <duration>", "lifetime: 3600s, 15m, 12h or 30d, at most 3650d (default: until revoked)")
    .option(
      "--password-stdin",
      "read the password (16 to 256 visible ASCII characters) from stdin instead of generating one",
    );
  create.action((username: string) =>
    createCredential(username, create.opts<CreateFlags>(), environmentWithFlags(create)),
  );

  addListCommand(credentials, {
    description: "list the EST credentials, newest first (never a password or its hash)",
    jsonDescription: "one JSON array, as GET /v1/est/credentials gives it",
    read: async (store, limit, now) =>
      (await listEstCredentials({ store }, { limit })).map((record) => renderEstCredential(record, now)),
    header: ["ID", "USERNAME", "MAY ENROLL", "EXPIRES", "STATUS"],
    row: (item) => [
      item.id,
      item.username,
      item.devicePrefix === null ? `device ${item.deviceId}` : `prefix ${item.devicePrefix}`,
      item.expiresAt ?? "never",
      item.status,
    ],
  });

  const revoke = credentials
    .command("revoke")
    .description(
      "revoke a credential by its id (see est-credential list): every replica refuses it within seconds",
    )
    .argument("<id>", "the credential's id, as est-credential list shows it");
  revoke.action(async (id: string) => {
    if (!EstCredentialIdParams.safeParse({ id }).success) {
      revoke.error(
        "<id> must be an EST credential's id (32 hexadecimal digits), as est-credential list shows it",
      );
    }
    const store = await openTokenRegistry(environmentWithFlags(revoke));
    try {
      const record = await revokeEstCredential(
        { store, clock: systemClock },
        { id, actor: "edge-pki-ca est-credential revoke" },
      );
      process.stdout.write(
        `revoked EST credential ${record.id} (username ${record.username}) at ${record.revokedAt?.toISOString()}\n`,
      );
    } finally {
      await store.close();
    }
  });
}

async function createCredential(username: string, flags: CreateFlags, env: NodeJS.ProcessEnv): Promise<void> {
  let ttlSeconds: number | undefined;
  if (flags.ttl !== undefined) {
    ttlSeconds = parseDuration(flags.ttl);
    if (ttlSeconds === undefined) {
      throw new UsageError(
        "--ttl must look like 3600s, 15m, 12h or 30d (a positive whole number and a unit)",
      );
    }
    if (ttlSeconds > EST_CREDENTIAL_MAX_SECONDS) throw new UsageError("--ttl must be at most 3650d");
  }
  if ((flags.devicePrefix === undefined) === (flags.deviceId === undefined)) {
    throw new UsageError("give exactly one of --device-prefix (a fleet) and --device-id (one device)");
  }
  const password = flags.passwordStdin ? await passwordFromStdin() : undefined;
  // The API's own rules, so that the command line accepts exactly what POST /v1/est/credentials does.
  const parsed = CreateEstCredentialRequest.safeParse({
    username,
    password,
    devicePrefix: flags.devicePrefix,
    deviceId: flags.deviceId,
    ttlSeconds,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const message = issue?.message ?? "invalid input";
    throw new UsageError(message.replace(/^(devicePrefix|deviceId)\b/, (field) => optionOf(field)));
  }
  const store = await openTokenRegistry(env);
  try {
    const created = await createEstCredential(
      { store, clock: systemClock, random: secureRandom },
      {
        username: parsed.data.username,
        password: parsed.data.password,
        devicePrefix: parsed.data.devicePrefix,
        deviceId: parsed.data.deviceId,
        lifetimeSeconds: parsed.data.ttlSeconds,
        actor: "edge-pki-ca est-credential create",
      },
    );
    if (password === undefined) process.stdout.write(`${created.password}\n`);
    const { record } = created;
    const scope =
      record.devicePrefix === null
        ? `device ${record.deviceId}`
        : `devices starting with ${record.devicePrefix}`;
    const expiry = record.expiresAt === null ? "until revoked" : `until ${record.expiresAt.toISOString()}`;
    process.stderr.write(
      `EST credential ${record.id} for ${record.username}: may enroll ${scope}, ${expiry}\n`,
    );
  } finally {
    await store.close();
  }
}

function optionOf(field: string): string {
  return field === "devicePrefix" ? "--device-prefix" : "--device-id";
}

/** The password, from stdin (a pipe or a file), without its final line break. */
async function passwordFromStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

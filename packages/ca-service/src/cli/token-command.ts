import { randomBytes } from "node:crypto";
import { DEVICE_PREFIX_PATTERN } from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { mintApiToken } from "../app/mint-api-token.js";
import { openCertificateStore, openKeyStore, openTokenSigner, type Runtime } from "../compose.js";
import { loadConfig } from "../config/config.js";
import { parseDuration } from "../core/duration.js";
import type { Role } from "../core/roles.js";
import { API_TOKEN_MAX_SECONDS, isRateLimit, RATE_LIMIT_MAX_PER_MINUTE } from "../core/token-claims.js";
import { jsonLogger } from "../logger.js";
import { secureRandom, systemClock } from "../ports/clock.js";
import { environmentWithFlags } from "./setting-flags.js";
import { addTokenListCommand } from "./token-list-command.js";
import { addTokenRevokeCommand } from "./token-revoke-command.js";

const API_ROLES: readonly Role[] = ["admin", "issuer", "reader"];
const SUBJECT_PATTERN = /^[\x21-\x7e]{1,256}$/;

interface TokenFlags {
  role?: string;
  devicePrefix?: string;
  ttl: string;
  subject?: string;
  rateLimit?: string;
}

/** `token create|list|revoke`. */
export function addTokenCommand(program: HostCommand): void {
  const tokens = program.command("token").description("API tokens: create, list, revoke");
  // Name the commands there are rather than report an unknown one.
  tokens.on("command:*", () => tokens.error("expected 'token create', 'token list' or 'token revoke'"));
  const create = tokens
    .command("create")
    .description(
      "mint an API token from the CA's own issuer, audited; prints the token on stdout and nothing else there",
    )
    .option("--role <role>", `what the token may do: ${API_ROLES.join(", ")}`)
    .option(
      "--device-prefix <prefix>",
      "issuer only: confine issuance to device IDs starting with the prefix",
    )
    .option("--ttl <duration>", "lifetime: 3600s, 15m, 12h or 30d, at most 365d", "30d")
    .option(
      "--subject <name>",
      "who the token stands for: the audit log shows token:<subject>, and rate limits and Idempotency-Keys " +
        "are per subject (default cli-<role>-<8 random hex digits>)",
    )
    .option(
      "--rate-limit <n>/min",
      "the token's own budget of requests per minute, instead of the service's default for callers",
    );
  create.action(() => createToken(create.opts<TokenFlags>(), environmentWithFlags(create)));
  addTokenListCommand(tokens);
  addTokenRevokeCommand(tokens);
}

/** Mints a token from our own issuer, audited, printed to stdout. */
async function createToken(values: TokenFlags, env: NodeJS.ProcessEnv): Promise<void> {
  const role = values.role as Role | undefined;
  if (role === undefined || !API_ROLES.includes(role)) {
    throw new UsageError(`--role must be one of ${API_ROLES.join(", ")}`);
  }
  const lifetimeSeconds = parseDuration(values.ttl);
  if (lifetimeSeconds === undefined) {
    throw new UsageError("--ttl must look like 3600s, 15m, 12h or 30d (a positive whole number and a unit)");
  }
  if (lifetimeSeconds > API_TOKEN_MAX_SECONDS) throw new UsageError("--ttl must be at most 365d");
  const devicePrefix = values.devicePrefix;
  if (devicePrefix !== undefined && role !== "issuer") {
    throw new UsageError("--device-prefix applies to --role issuer only");
  }
  if (devicePrefix !== undefined && !DEVICE_PREFIX_PATTERN.test(devicePrefix)) {
    throw new UsageError("--device-prefix must be 1 to 63 characters of A-Z, a-z, 0-9, '-', '.', '_' or ':'");
  }
  // Unique by default: tokens sharing a subject share a rate limit, idempotency keys and an audit actor.
  const subject = values.subject ?? `cli-${role}-${randomBytes(4).toString("hex")}`;
  if (!SUBJECT_PATTERN.test(subject))
    throw new UsageError("--subject must be 1 to 256 visible ASCII characters");
  const rateLimitPerMinute = values.rateLimit === undefined ? undefined : parseRateLimit(values.rateLimit);

  const runtime: Runtime = { config: loadConfig(env), logger: jsonLogger() };
  // Only what exists: a mistyped --data-dir must not create a CA, a passphrase or a database.
  const tokens = await openTokenSigner(await openKeyStore(runtime, "use"));
  const store = await openCertificateStore(runtime);
  try {
    const minted = await mintApiToken(
      { tokens, store, clock: systemClock, random: secureRandom },
      {
        subject,
        roles: [role],
        devicePrefix,
        rateLimitPerMinute,
        lifetimeSeconds,
        actor: "edge-pki-ca token create",
      },
    );
    process.stdout.write(`${minted.token}\n`);
    const limit = rateLimitPerMinute === undefined ? "" : `, ${rateLimitPerMinute} requests/min`;
    process.stderr.write(
      `token for subject ${subject} (${role}${limit}; audited as token:${subject}) expires ${minted.expiresAt.toISOString()}\n`,
    );
  } finally {
    await store.close();
  }
}

/** `--rate-limit 600/min`: requests per minute, as the settings count them. */
function parseRateLimit(value: string): number {
  const perMinute = /^([1-9][0-9]{0,6})\/min$/.exec(value)?.[1];
  if (perMinute === undefined || !isRateLimit(Number(perMinute))) {
    throw new UsageError(
      `--rate-limit must look like 600/min: a whole number of requests per minute from 1 to ${RATE_LIMIT_MAX_PER_MINUTE}`,
    );
  }
  return Number(perMinute);
}

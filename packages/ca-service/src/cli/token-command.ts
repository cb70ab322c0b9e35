import { randomBytes } from "node:crypto";
import { mintApiToken } from "../app/mint-api-token.js";
import { openCertificateStore, openKeyStore, openTokenSigner, type Runtime } from "../compose.js";
import { loadConfig } from "../config/config.js";
import { parseDuration } from "../core/duration.js";
import type { Role } from "../core/roles.js";
import { API_TOKEN_MAX_SECONDS, DEVICE_PREFIX_PATTERN } from "../core/token-claims.js";
import { jsonLogger } from "../logger.js";
import { secureRandom, systemClock } from "../ports/clock.js";
import { parseOptions } from "./parse-options.js";
import { UsageError } from "./usage-error.js";

export const TOKEN_USAGE = `usage: edge-pki-ca token create --role admin|issuer|reader [--device-prefix PREFIX]
                              [--ttl 30d] [--subject NAME] [--data-dir DIR]

  --role           what the token may do
  --device-prefix  issuer only: confine issuance to device IDs starting with PREFIX
  --ttl            lifetime: 3600s, 15m, 12h or 30d (default 30d, at most 365d)
  --subject        who the token stands for: the audit log shows token:<subject>, and rate limits and
                   Idempotency-Keys are per subject (default cli-<role>-<8 random hex digits>)

Prints the token on stdout and nothing else there.`;

const API_ROLES: readonly Role[] = ["admin", "issuer", "reader"];
const SUBJECT_PATTERN = /^[\x21-\x7e]{1,256}$/;

/** `edge-pki-ca token create …`: mints a token from our own issuer, audited, printed to stdout. */
export async function tokenCommand(argv: string[]): Promise<void> {
  const { positionals, values } = parseOptions(argv, {
    role: { type: "string" },
    "device-prefix": { type: "string" },
    ttl: { type: "string", default: "30d" },
    subject: { type: "string" },
    "data-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    process.stdout.write(`${TOKEN_USAGE}\n`);
    return;
  }
  if (positionals.length !== 1 || positionals[0] !== "create") {
    throw new UsageError("expected 'token create'; run edge-pki-ca token --help");
  }
  const role = values.role as Role | undefined;
  if (role === undefined || !API_ROLES.includes(role)) {
    throw new UsageError(`--role must be one of ${API_ROLES.join(", ")}`);
  }
  const lifetimeSeconds = parseDuration(values.ttl);
  if (lifetimeSeconds === undefined) {
    throw new UsageError("--ttl must look like 3600s, 15m, 12h or 30d (a positive whole number and a unit)");
  }
  if (lifetimeSeconds > API_TOKEN_MAX_SECONDS) throw new UsageError("--ttl must be at most 365d");
  const devicePrefix = values["device-prefix"];
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

  const env = values["data-dir"] ? { ...process.env, EDGE_PKI_DATA_DIR: values["data-dir"] } : process.env;
  const runtime: Runtime = { config: loadConfig(env), logger: jsonLogger() };
  // Only what exists: a mistyped --data-dir must not create a CA, a passphrase or a database.
  const tokens = await openTokenSigner(await openKeyStore(runtime, "use"));
  const store = await openCertificateStore(runtime.config);
  try {
    const minted = await mintApiToken(
      { tokens, store, clock: systemClock, random: secureRandom },
      { subject, roles: [role], devicePrefix, lifetimeSeconds, actor: "edge-pki-ca token create" },
    );
    process.stdout.write(`${minted.token}\n`);
    process.stderr.write(
      `token for subject ${subject} (${role}; audited as token:${subject}) expires ${minted.expiresAt.toISOString()}\n`,
    );
  } finally {
    await store.close();
  }
}

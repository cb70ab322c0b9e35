#!/usr/bin/env node
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import {
  ensureAdminTokenFile,
  initialiseCa,
  openKeyStore,
  openServiceContext,
  type Runtime,
} from "../compose.js";
import { loadConfig } from "../config/config.js";
import { CaError } from "../core/errors.js";
import { jsonLogger } from "../logger.js";
import { startServer } from "../server.js";
import { tokenCommand } from "./token-command.js";
import { UsageError } from "./usage-error.js";

const USAGE = `usage: edge-pki-ca <command> [--data-dir DIR] [--key-store local|keyvault] [--vault-url URL]

commands:
  init          create the root and the issuing CA in the key store when absent (never overwrites)
  serve         run the API (the CA must exist); writes <data folder>/admin.token when absent
  start         init if needed, then serve
  token create  mint an API token (see edge-pki-ca token --help)

options:
  --data-dir DIR      EDGE_PKI_DATA_DIR (the database, and the CA keys with the local key store)
  --key-store KIND    EDGE_PKI_KEY_STORE: local (default) or keyvault (Azure Key Vault)
  --vault-url URL     EDGE_PKI_KEYVAULT_URL, e.g. https://my-vault.vault.azure.net

Settings come from EDGE_PKI_* environment variables; see the README.`;

/** Flags that stand in for a setting; a flag wins over the environment. */
const FLAG_SETTINGS = {
  "data-dir": "EDGE_PKI_DATA_DIR",
  "key-store": "EDGE_PKI_KEY_STORE",
  "vault-url": "EDGE_PKI_KEYVAULT_URL",
} as const;

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "token") return tokenCommand(argv.slice(1));
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      "data-dir": { type: "string" },
      "key-store": { type: "string" },
      "vault-url": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    if (command === undefined && !values.help) process.exitCode = 2;
    return;
  }
  if (!["init", "serve", "start"].includes(command) || positionals.length > 1) {
    throw new UsageError(`unknown command '${positionals.join(" ")}'; run edge-pki-ca --help`);
  }
  const env = { ...process.env };
  for (const [flag, setting] of Object.entries(FLAG_SETTINGS)) {
    const value = values[flag as keyof typeof FLAG_SETTINGS];
    if (value) env[setting] = value;
  }
  const runtime: Runtime = { config: loadConfig(env), logger: jsonLogger() };
  const keyStore = await openKeyStore(runtime);

  if (command === "init" || command === "start") {
    const result = await initialiseCa(runtime, keyStore);
    const fingerprint = sha256(result.root.rawData);
    if (result.created.length > 0) {
      runtime.logger.info("created CA material", {
        created: result.created,
        dataDir: runtime.config.dataDir,
        keyStore: keyStore.kind,
      });
    }
    if (command === "init") {
      process.stdout.write(
        `${result.created.length > 0 ? `created ${result.created.join(" and ")}` : "CA already initialised; nothing changed"}\nroot SHA-256 fingerprint: ${fingerprint}\n`,
      );
      return;
    }
  }

  const context = await openServiceContext(runtime, keyStore);
  const adminToken = await ensureAdminTokenFile(runtime, context);
  const server = await startServer(context, runtime.config, runtime.logger);
  // The path only: the token itself must not end up in terminal scrollback or log collectors.
  process.stdout.write(
    `Edge PKI CA listening on ${server.url}\nroot SHA-256 fingerprint: ${sha256(context.ca.root.rawData)}\ndata folder: ${runtime.config.dataDir}\n${adminToken.created ? "admin token written to" : "admin token"}: ${adminToken.path}\n`,
  );
  const stop = async () => {
    await server.close();
    await context.store.close();
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
}

function sha256(der: ArrayBuffer): string {
  return createHash("sha256").update(new Uint8Array(der)).digest("hex");
}

/**
 * The message on one line. A CaError's message is the generic one callers get; the operator also
 * sees its causes not already quoted (the vault's reason behind "the CA key store refused to sign").
 */
function oneLine(error: unknown): string {
  const messages = [error instanceof Error ? error.message : String(error)];
  let cause = error instanceof CaError ? error.cause : undefined;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    const message = cause.message.replace(/\s+/g, " ");
    if (!messages.some((quoted) => quoted.includes(message))) messages.push(message);
    cause = cause.cause;
  }
  return messages.join(": ");
}

main(process.argv.slice(2)).catch((error: unknown) => {
  // One line (a config error lists each bad setting), never a stack trace.
  process.stderr.write(`edge-pki-ca: ${oneLine(error)}\n`);
  const usage =
    error instanceof UsageError || (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS");
  process.exitCode = usage ? 2 : 1;
});

#!/usr/bin/env node
import { createHash } from "node:crypto";
import type { AdminTokenFile } from "../adapters/auth/admin-token-file.js";
import type { InitCaResult } from "../app/init-ca.js";
import {
  firstAdminTokenFile,
  initialiseCa,
  openKeyStore,
  openServiceContext,
  type Runtime,
} from "../compose.js";
import { loadConfig } from "../config/config.js";
import { maskCredentials } from "../config/mask-credentials.js";
import { CaError } from "../core/errors.js";
import { jsonLogger } from "../logger.js";
import { startServer } from "../server.js";
import { parseOptions } from "./parse-options.js";
import { tokenCommand } from "./token-command.js";
import { UsageError } from "./usage-error.js";

const USAGE = `usage: edge-pki-ca <command> [--data-dir DIR] [--key-store local|keyvault] [--vault-url URL]

commands:
  init          create the root, the issuing CA and the token-signing key in the key store when
                absent (never overwrites); the run that creates the token-signing key writes the
                deployment's first admin token to <data folder>/admin.token
  serve         run the API (the CA must exist)
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
  const { positionals, values } = parseOptions(argv, {
    "data-dir": { type: "string" },
    "key-store": { type: "string" },
    "vault-url": { type: "string" },
    help: { type: "boolean", short: "h" },
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
  const keyStore = await openKeyStore(runtime, command === "serve" ? "use" : "create");

  let init: InitCaResult | undefined;
  if (command === "init" || command === "start") {
    init = await initialiseCa(runtime, keyStore);
    if (init.created.length > 0) {
      runtime.logger.info("created CA material", {
        created: init.created,
        dataDir: runtime.config.dataDir,
        keyStore: keyStore.kind,
      });
    }
    if (command === "init") {
      process.stdout.write(
        `${init.created.length > 0 ? `created ${init.created.join(" and ")}` : "CA already initialised; nothing changed"}\nroot SHA-256 fingerprint: ${sha256(init.root.rawData)}\n`,
      );
      if (init.created.includes("token-signing")) {
        const context = await openServiceContext(runtime, keyStore);
        try {
          process.stdout.write(adminTokenLine(await firstAdminTokenFile(runtime, context, init)));
        } finally {
          await context.store.close();
        }
      }
      return;
    }
  }

  const context = await openServiceContext(runtime, keyStore);
  const adminToken = await firstAdminTokenFile(runtime, context, init);
  const server = await startServer(context, runtime.config, runtime.logger);
  process.stdout.write(
    `Edge PKI CA listening on ${server.url}\nroot SHA-256 fingerprint: ${sha256(context.ca.root.rawData)}\ndata folder: ${runtime.config.dataDir}\n${adminTokenLine(adminToken)}`,
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

/** The path only: the token itself must not end up in terminal scrollback or log collectors. */
function adminTokenLine(file: AdminTokenFile | undefined): string {
  if (file === undefined) return "";
  return `${file.created ? "admin token written to" : "admin token"}: ${file.path}\n`;
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
  // Causes may quote a connection string: its password never reaches the terminal.
  process.stderr.write(`edge-pki-ca: ${maskCredentials(oneLine(error))}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});

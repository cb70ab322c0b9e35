#!/usr/bin/env node
import { createProgram, runProgram } from "@edge-pki/host-kit/cli";
import { maskCredentials } from "../config/mask-credentials.js";
import { CaError } from "../core/errors.js";
import { addEstCredentialCommand } from "./est-credential-command.js";
import { addIntermediateCommand } from "./intermediate-command.js";
import { addServiceCommands } from "./service-commands.js";
import { addSettingFlags } from "./setting-flags.js";
import { addTokenCommand } from "./token-command.js";

const program = createProgram("edge-pki-ca")
  .description("The Edge PKI certificate authority for Azure IoT Edge devices.")
  .addHelpText("after", "\nSettings come from EDGE_PKI_* environment variables; see docs/configuration.md.");
addSettingFlags(program);
addServiceCommands(program);
addTokenCommand(program);
addEstCredentialCommand(program);
addIntermediateCommand(program);

await runProgram(program, process.argv.slice(2), {
  describeError: withCauses,
  // Causes may quote a connection string: its password never reaches the terminal.
  maskSecrets: maskCredentials,
});

/**
 * The message, plus causes. A CaError's message is the generic one callers get; the operator also
 * sees its causes not already quoted (the vault's reason behind "the CA key store refused to sign").
 * A config error keeps its own lines, one for each bad setting.
 */
function withCauses(error: unknown): string {
  const messages = [error instanceof Error ? error.message : String(error)];
  let cause = error instanceof CaError ? error.cause : undefined;
  for (let depth = 0; cause instanceof Error && depth < 4; depth++) {
    const message = cause.message.replace(/\s+/g, " ");
    if (!messages.some((quoted) => quoted.includes(message))) messages.push(message);
    cause = cause.cause;
  }
  return messages.join(": ");
}

#!/usr/bin/env node
import { createProgram, runProgram } from "@edge-pki/host-kit/cli";
import { addAuditCommand } from "./commands/audit.js";
import { addBatchCommand } from "./commands/batch.js";
import { addBootstrapTokenCommand } from "./commands/bootstrap-token.js";
import { addCaCommand } from "./commands/ca.js";
import { addCheckCommand } from "./commands/check.js";
import { addCrlCommand } from "./commands/crl.js";
import { addEstCredentialCommand } from "./commands/est-credential.js";
import { addEstDeviceCommand } from "./commands/est-device.js";
import { addIotedgeConfigCommand } from "./commands/iotedge-config.js";
import { addIssueCommand } from "./commands/issue.js";
import { addRenewCommand } from "./commands/renew.js";
import { addRevokeCommand } from "./commands/revoke.js";
import { describeError } from "./describe-error.js";
import { addGlobalFlags } from "./settings.js";

const env = process.env;
const program = createProgram("edge-pki")
  .description("Issue and manage Azure IoT Edge device certificates with an Edge PKI CA.")
  .addHelpText(
    "after",
    "\nThe CA's URL and the API token come from flags or from EDGE_PKI_URL, EDGE_PKI_TOKEN_FILE or EDGE_PKI_TOKEN; see docs/edge-pki-cli.md.",
  );
addGlobalFlags(program);
addIssueCommand(program, env);
addBatchCommand(program, env);
addRenewCommand(program, env);
addRevokeCommand(program, env);
addBootstrapTokenCommand(program, env);
addCaCommand(program, env);
addCrlCommand(program, env);
addCheckCommand(program);
addAuditCommand(program, env);
addEstCredentialCommand(program, env);
addEstDeviceCommand(program, env);
addIotedgeConfigCommand(program, env);

// The token never reaches the terminal, whatever a message quotes.
const secrets = [env.EDGE_PKI_TOKEN?.trim(), env.EDGE_PKI_EST_PASSWORD?.trim()].filter(
  (secret): secret is string => Boolean(secret),
);
await runProgram(program, process.argv.slice(2), {
  describeError,
  maskSecrets: (text) => secrets.reduce((masked, secret) => masked.replaceAll(secret, "***"), text),
});

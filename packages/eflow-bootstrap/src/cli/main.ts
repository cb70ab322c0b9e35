#!/usr/bin/env node
import { createProgram, runProgram } from "@edge-pki/host-kit/cli";
import { addDeviceCommands } from "./device-commands.js";
import { addDpsCommands } from "./dps-commands.js";
import { addEstCommand } from "./est-command.js";
import { describeError } from "./output.js";
import { maskSecrets } from "./secrets.js";

const program = createProgram("eflow-bootstrap")
  .description(
    "From a fresh EFLOW host (or IoT Edge on Linux) to a device provisioned through DPS with X.509: credentials, DPS enrollment, Provision-EflowVm.",
  )
  .addHelpText(
    "after",
    "\nDevice side: credentials, provision, run, est-config. Operator side: dps. See docs/eflow-bootstrap.md.",
  );
addDeviceCommands(program, process.env);
addDpsCommands(program, process.env);
addEstCommand(program, process.env);

await runProgram(program, process.argv.slice(2), { describeError, maskSecrets });

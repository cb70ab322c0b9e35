#!/usr/bin/env node
/**
 * `edge-pki-emulators`: runs the Key Vault emulator as a local dev service until SIGINT/SIGTERM;
 * `edge-pki-emulators dps` runs the DPS emulator.
 *
 *   edge-pki-emulators --port 8444 --cert-out ./kv-emulator.pem
 *   edge-pki-emulators dps --service-port 8445 --device-port 8446 --cert-out ./dps-emulator.pem
 */
import { runProgram } from "@edge-pki/host-kit/cli";
import {
  type EmulatorFlags,
  emulatorOptions,
  emulatorProgram,
  withoutLeadingSeparator,
} from "./cli-options.js";
import { dpsCommand } from "./dps/cli.js";
import { startKeyVaultEmulator } from "./key-vault/server.js";

const program = emulatorProgram().action(async () => {
  const emulator = await startKeyVaultEmulator(emulatorOptions(program.opts<EmulatorFlags>()));
  process.stdout.write(`Key Vault emulator listening on ${emulator.url}\n`);
  if (emulator.caCertificatePath)
    process.stdout.write(`TLS certificate written to ${emulator.caCertificatePath}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`Received ${signal}, stopping\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`edge-pki-emulators: failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
});

// `edge-pki-emulators dps …`: the DPS emulator; its flags are its own (positional options).
program.enablePositionalOptions().addCommand(dpsCommand());

await runProgram(program, withoutLeadingSeparator(process.argv.slice(2)));

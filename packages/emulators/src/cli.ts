#!/usr/bin/env node
/**
 * `edge-pki-emulators`: runs the Key Vault emulator as a local dev service until SIGINT/SIGTERM.
 *
 *   edge-pki-emulators --port 8444 --cert-out ./kv-emulator.pem
 */
import { parseCliArguments, USAGE } from "./cli-options.js";
import { startKeyVaultEmulator } from "./key-vault/server.js";

async function main(): Promise<void> {
  const command = parseCliArguments(process.argv.slice(2));
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const emulator = await startKeyVaultEmulator(command.options);
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
        process.stderr.write(`Failed to stop cleanly: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `edge-pki-emulators: ${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`,
  );
  process.exit(1);
});

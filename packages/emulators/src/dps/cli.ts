/** `edge-pki-emulators dps`: runs the DPS emulator as a local dev service until SIGINT/SIGTERM. */
import { HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { startDpsEmulator } from "./server.js";

interface DpsFlags {
  host: string;
  servicePort: string;
  devicePort: string;
  hostName: string;
  idScope?: string;
  certOut?: string;
  retryAfter: string;
}

export function dpsCommand(): HostCommand {
  const command = new HostCommand("dps")
    .description(
      "Runs the DPS emulator (service API and ARM certificates; device registration over mutual TLS).",
    )
    .option("--host <address>", "interface to listen on", "127.0.0.1")
    .option("--service-port <port>", "service API and ARM port; 0 picks a free one", "8445")
    .option("--device-port <port>", "device registration port (mutual TLS); 0 picks a free one", "8446")
    .option("--host-name <name>", "the instance's host name, which SAS tokens are signed for", "localhost")
    .option("--id-scope <scope>", "the ID scope (default: a random 0ne… one)")
    .option("--cert-out <path>", "write the TLS certificate (PEM) here, for clients to trust")
    .option("--retry-after <seconds>", "Retry-After of a registration's 202", "1")
    .addHelpText(
      "after",
      `
Control routes on the service port (no auth): POST /_emulator/faults {"faults":{"outage":true}}, GET /_emulator/stats.`,
    );
  command.action(async () => {
    const flags = command.opts<DpsFlags>();
    const port = (flag: string, raw: string) => {
      const value = Number(raw);
      if (raw.trim() === "" || !Number.isInteger(value) || value < 0 || value > 65_535) {
        throw new UsageError(`Invalid --${flag}: ${raw}`);
      }
      return value;
    };
    const retryAfter = Number(flags.retryAfter);
    if (!Number.isInteger(retryAfter) || retryAfter < 0)
      throw new UsageError(`Invalid --retry-after: ${flags.retryAfter}`);
    const dps = await startDpsEmulator({
      host: flags.host,
      servicePort: port("service-port", flags.servicePort),
      devicePort: port("device-port", flags.devicePort),
      hostName: flags.hostName,
      retryAfterSeconds: retryAfter,
      ...(flags.idScope === undefined ? {} : { idScope: flags.idScope }),
      ...(flags.certOut === undefined ? {} : { certificatePath: flags.certOut }),
    });
    process.stdout.write(
      [
        `DPS emulator: service API and ARM on ${dps.serviceUrl}, device registration on ${dps.deviceUrl}`,
        `ID scope: ${dps.idScope}`,
        `Connection string: ${dps.connectionString}`,
        ...(flags.certOut ? [`TLS certificate written to ${flags.certOut}`] : []),
        "",
      ].join("\n"),
    );
    const stop = (): void => {
      dps.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  return command;
}

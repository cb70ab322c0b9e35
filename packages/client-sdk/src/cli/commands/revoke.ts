import { RevocationReason, SerialNumberParams } from "@edge-pki/api-contract";
import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { printResult } from "../output.js";
import { openSession } from "../settings.js";

const REASONS = RevocationReason.options;

/** `revoke <serial> --reason …`. */
export function addRevokeCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const revoke = program
    .command("revoke")
    .description("revoke a certificate for good; the CRL is re-signed at once")
    .argument("<serial>", "the serial number, in any form openssl prints")
    .option("--reason <reason>", `why: ${REASONS.join(", ")}`);
  revoke.action(async (serial: string) => {
    const { reason } = revoke.opts<{ reason?: string }>();
    const parsed = RevocationReason.safeParse(reason);
    if (!parsed.success) throw new UsageError(`--reason must be one of ${REASONS.join(", ")}`);
    // Checked here, as the CA would: a mistyped serial is a usage mistake, not a refusal.
    const serialNumber = SerialNumberParams.safeParse({ serialNumber: serial });
    if (!serialNumber.success) {
      throw new UsageError(
        `${JSON.stringify(serial)} is not a serial number: ${serialNumber.error.issues[0]?.message ?? "not hexadecimal"}`,
      );
    }
    const { client, json } = openSession(revoke, env);
    const record = await client.revoke(serialNumber.data.serialNumber, parsed.data);
    printResult(json, record, () => [
      `revoked ${record.serialNumber} (${record.deviceId ?? record.subject}): ${record.revocationReason} at ${record.revokedAt}`,
    ]);
  });
}

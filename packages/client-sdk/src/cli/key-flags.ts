import { type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { DEVICE_KEY_ALGORITHMS, type DeviceKeyAlgorithm } from "../device/key-algorithm.js";
import { wholeNumber } from "./settings.js";

/** The flags of every command that issues: `--key-algorithm` and `--validity-days`. */
export interface IssuanceFlags {
  keyAlgorithm: string;
  validityDays?: string;
}

export function addIssuanceFlags(command: HostCommand): HostCommand {
  return command
    .option(
      "--key-algorithm <algorithm>",
      `the device key: ${DEVICE_KEY_ALGORITHMS.join(", ")}`,
      "ECDSA_P256",
    )
    .option("--validity-days <days>", "validity, 1 to 36500 (default: the CA's policy maximum)");
}

export function issuanceSettings(flags: IssuanceFlags): {
  keyAlgorithm: DeviceKeyAlgorithm;
  validityDays?: number;
} {
  const keyAlgorithm = flags.keyAlgorithm as DeviceKeyAlgorithm;
  if (!DEVICE_KEY_ALGORITHMS.includes(keyAlgorithm)) {
    throw new UsageError(`--key-algorithm must be one of ${DEVICE_KEY_ALGORITHMS.join(", ")}`);
  }
  return flags.validityDays === undefined
    ? { keyAlgorithm }
    : { keyAlgorithm, validityDays: wholeNumber("--validity-days", flags.validityDays, 1, 36_500) };
}

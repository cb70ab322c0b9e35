import { DEVICE_ID_PATTERN, DEVICE_ID_RULE } from "@edge-pki/api-contract";
import { UsageError } from "@edge-pki/host-kit/cli";

/** Refuses a bad device ID before any request is made. */
export function deviceIdArgument(value: string): string {
  if (!DEVICE_ID_PATTERN.test(value)) {
    throw new UsageError(`device ID ${JSON.stringify(value)} is not valid: ${DEVICE_ID_RULE}`);
  }
  return value;
}

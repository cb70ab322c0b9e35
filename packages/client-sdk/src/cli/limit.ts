import { UsageError } from "@edge-pki/host-kit/cli";

/** The `--limit <n>` of a list command: a whole number from 1 to 1000, as the API takes it. */
export function limitOption(value: string): number {
  if (!/^[1-9][0-9]{0,3}$/.test(value) || Number(value) > 1000) {
    throw new UsageError("--limit must be a whole number from 1 to 1000");
  }
  return Number(value);
}

import { UsageError } from "@edge-pki/host-kit/cli";

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** `900s`, `15m`, `2h` or `1d` (as `edge-pki-ca token create --ttl` reads them), within bounds. */
export function durationSeconds(flag: string, value: string, min: number, max: number): number {
  const match = /^(\d+)([smhd])$/.exec(value);
  const seconds = match ? Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number) : Number.NaN;
  if (!(seconds >= min && seconds <= max)) {
    throw new UsageError(
      `${flag} must be a duration such as 900s, 15m or 2h, from ${min}s to ${max}s, not ${JSON.stringify(value)}`,
    );
  }
  return seconds;
}

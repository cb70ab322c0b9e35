import { z } from "zod";

/**
 * A whole number written plainly. `z.coerce.number()` would also take " 0x50", "1e3" or "" (as 80,
 * 1000 and 0), which are typos more often than intentions.
 */
export function integerSetting(min: number, max: number, fallback: number) {
  return z
    .string()
    .regex(/^(0|[1-9][0-9]*)$/, { message: "must be a whole number written in decimal digits" })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    )
    .default(fallback);
}

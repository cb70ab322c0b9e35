import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./usage-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What `parseOptions` returns: parseArgs' values, positionals and tokens for `T`. */
export type ParsedOptions<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; allowPositionals: true; tokens: true }>
>;

/**
 * `parseArgs` with positionals, every mistake a usage error in one line: node's own messages may
 * span several (`--ttl -5d` is "ambiguous"), and a flag given twice is refused instead of the last
 * one silently winning.
 */
export function parseOptions<T extends Options>(args: string[], options: T): ParsedOptions<T> {
  let parsed: ParsedOptions<T>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, tokens: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split("\n").join(" "));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option") continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} was given more than once`);
    seen.add(token.name);
  }
  return parsed;
}

import { UsageError } from "./usage-error.js";

interface ParsedWithTokens {
  tokens: readonly { kind: string; name?: string }[];
}

/**
 * Runs a `parseArgs` (with `tokens: true`) so that every mistake is a usage error in one line:
 * node's own messages may span several (`--ttl -5d` is "ambiguous"), and a flag given twice is
 * refused instead of the last one silently winning.
 */
export function parseOptions<T extends ParsedWithTokens>(parse: () => T): T {
  let parsed: T;
  try {
    parsed = parse();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(message.split("\n").join(" "));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.name === undefined) continue;
    if (seen.has(token.name)) throw new UsageError(`--${token.name} was given more than once`);
    seen.add(token.name);
  }
  return parsed;
}

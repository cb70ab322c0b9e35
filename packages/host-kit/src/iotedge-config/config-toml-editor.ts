import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "smol-toml";

/** A table header line: `[a.b]` or `[[a.b]]`, with an optional comment. */
const HEADER = /^[ \t]*\[\[?[ \t]*([^\]\r\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?\r?\n?$/;
const BLANK_OR_COMMENT = /^[ \t]*(?:#.*)?\r?\n?$/;

/** config.toml cannot be read, or cannot be edited without touching what was not asked. */
export class ConfigTomlError extends Error {
  override readonly name = "ConfigTomlError";
}

/**
 * `config.toml` with the top-level tables in `tables` replaced (for `provisioning`: `[provisioning]`
 * and its sub-tables `[provisioning.attestation]` …), and every other byte kept. The old tables are
 * cut out and the new ones go where the first of them was (at the end when there was none). Comment
 * and blank lines just before the next table stay with it. CRLF files stay CRLF. The result is
 * parsed again: every other setting must be exactly as before and each table exactly as asked, or
 * nothing is returned (say, for a table given as dotted keys or an inline table, which is left to a
 * person). Editing a file with its own result returns it unchanged.
 */
export function withTables(
  original: string,
  tables: Readonly<Record<string, Record<string, unknown>>>,
): string {
  const names = new Set(Object.keys(tables));
  const before = parseToml(original, "the current config.toml");
  const lines = original.split(/(?<=\n)/);
  const insideString = multilineStringLines(lines);
  const headers = lines.flatMap((line, index) => {
    const match = insideString[index] ? null : HEADER.exec(line);
    return match ? [{ index, isReplaced: names.has(firstKey(match[1] as string)) }] : [];
  });
  const cut: { start: number; end: number }[] = [];
  for (const [position, header] of headers.entries()) {
    if (!header.isReplaced) continue;
    let end = headers[position + 1]?.index ?? lines.length;
    if (headers[position + 1] !== undefined && !headers[position + 1]?.isReplaced) {
      while (end - 1 > header.index && BLANK_OR_COMMENT.test(lines[end - 1] as string)) end--;
    }
    cut.push({ start: header.index, end });
  }
  const newline = original.includes("\r\n") ? "\r\n" : "\n";
  const block = stringify(tables).replaceAll("\n", newline);
  let result: string;
  const first = cut[0];
  if (first === undefined) {
    const separator = original === "" ? "" : original.endsWith("\n") ? newline : `${newline}${newline}`;
    result = `${original}${separator}${block}`;
  } else {
    const kept = lines.filter(
      (_line, index) => !cut.some((range) => index >= range.start && index < range.end),
    );
    const next = kept[first.start];
    // A blank line before the table that follows, as the template has it.
    const trailer = next !== undefined && next.trim() !== "" ? newline : "";
    // No line before the first cut is cut: its index is the same among the kept lines.
    kept.splice(first.start, 0, `${block}${trailer}`);
    result = kept.join("");
  }
  const shown = [...names].map((name) => `[${name}]`).join(", ");
  let after: Record<string, unknown>;
  try {
    after = parseToml(result, "the edited config.toml");
  } catch (error) {
    throw [...names].some((name) => before[name] !== undefined) ? unsupportedForm(shown, error) : error;
  }
  const others = (table: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(table).filter(([key]) => !names.has(key)));
  if (!same(others(before), others(after)) || [...names].some((name) => !same(after[name], tables[name]))) {
    throw unsupportedForm(shown);
  }
  return result;
}

/** The top-level tables of `text`, parsed (an empty file is an empty table). */
export function parseConfigToml(text: string): Record<string, unknown> {
  return parseToml(text, "config.toml");
}

function unsupportedForm(shown: string, cause?: unknown): ConfigTomlError {
  return new ConfigTomlError(
    `config.toml defines ${shown} in a form this tool does not edit (dotted keys or an inline table): set it by hand`,
    { cause },
  );
}

/** Equal as data: smol-toml's tables have no prototype, ours do; datetimes compare by their text. */
function same(left: unknown, right: unknown): boolean {
  const plain = (value: unknown) => JSON.parse(JSON.stringify(value ?? null)) as unknown;
  return isDeepStrictEqual(plain(left), plain(right));
}

function parseToml(text: string, what: string): Record<string, unknown> {
  try {
    return parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new ConfigTomlError(`${what} is not valid TOML: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Which lines start inside a multi-line string (`"""…"""` or `'''…'''`): a line there that looks
 * like `[provisioning]` is text, not a table. A small lexer of TOML's strings and comments.
 */
function multilineStringLines(lines: readonly string[]): boolean[] {
  let open: '"""' | "'''" | undefined;
  return lines.map((line) => {
    const startsInside = open !== undefined;
    let index = 0;
    while (index < line.length) {
      if (open !== undefined) {
        const close = line.indexOf(open, index);
        if (close === -1) break;
        // A closing delimiter may be followed by up to two more quotes that belong to the string.
        let end = close + 3;
        while (line[end] === open[0] && end - close < 5) end++;
        open = undefined;
        index = end;
        continue;
      }
      const char = line[index];
      if (char === "#") break;
      if (line.startsWith('"""', index) || line.startsWith("'''", index)) {
        open = line.slice(index, index + 3) as '"""' | "'''";
        index += 3;
        continue;
      }
      if (char === '"' || char === "'") {
        // A one-line string: skip to its end (a basic string may escape its quote).
        let end = index + 1;
        while (end < line.length && line[end] !== char) end += char === '"' && line[end] === "\\" ? 2 : 1;
        index = end + 1;
        continue;
      }
      index++;
    }
    return startsInside;
  });
}

/** `provisioning` of `provisioning.attestation`, `"provisioning"`, `provisioning . x`. */
function firstKey(dotted: string): string {
  const first = /^(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|([A-Za-z0-9_-]+))/.exec(dotted.trim());
  return first?.[1] ?? first?.[2] ?? first?.[3] ?? "";
}

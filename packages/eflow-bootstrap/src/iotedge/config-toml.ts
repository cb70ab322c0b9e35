import { isDeepStrictEqual } from "node:util";
import { parse, stringify } from "smol-toml";
import { BootstrapError } from "../errors.js";

/** The `[provisioning]` of IoT Edge 1.4/1.5 for DPS with X.509 (Azure/iotedge `edgelet/contrib/config/linux/template.toml`). */
export interface DpsProvisioning {
  globalEndpoint: string;
  idScope: string;
  registrationId: string;
  /** `file://` URIs. */
  identityCert: string;
  identityPk: string;
}

export function provisioningTable(settings: DpsProvisioning): Record<string, unknown> {
  return {
    source: "dps",
    global_endpoint: settings.globalEndpoint,
    id_scope: settings.idScope,
    attestation: {
      method: "x509",
      registration_id: settings.registrationId,
      identity_cert: settings.identityCert,
      identity_pk: settings.identityPk,
    },
  };
}

/** A table header line: `[a.b]` or `[[a.b]]`, with an optional comment. */
const HEADER = /^[ \t]*\[\[?[ \t]*([^\]\r\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?\r?\n?$/;
const BLANK_OR_COMMENT = /^[ \t]*(?:#.*)?\r?\n?$/;

/**
 * `config.toml` with its provisioning replaced by DPS X.509, and every other byte kept: the
 * `[provisioning]` table and its sub-tables (`[provisioning.attestation]`, `[provisioning.authentication]`
 * …) are cut out and the new ones go where the first was (at the end when there was none). Comment
 * and blank lines just before the next table stay with it. The result is parsed again: every other
 * setting must be exactly as before and the provisioning exactly as asked, or nothing is written
 * (say, for a provisioning given as dotted keys or an inline table, which is left to a person).
 */
export function withDpsProvisioning(original: string, settings: DpsProvisioning): string {
  const before = parseToml(original, "the current config.toml");
  const lines = original.split(/(?<=\n)/);
  const insideString = multilineStringLines(lines);
  const headers = lines.flatMap((line, index) => {
    const match = insideString[index] ? null : HEADER.exec(line);
    return match ? [{ index, isProvisioning: firstKey(match[1] as string) === "provisioning" }] : [];
  });
  const cut: { start: number; end: number }[] = [];
  for (const [position, header] of headers.entries()) {
    if (!header.isProvisioning) continue;
    let end = headers[position + 1]?.index ?? lines.length;
    if (headers[position + 1] !== undefined && !headers[position + 1]?.isProvisioning) {
      while (end - 1 > header.index && BLANK_OR_COMMENT.test(lines[end - 1] as string)) end--;
    }
    cut.push({ start: header.index, end });
  }
  const newline = original.includes("\r\n") ? "\r\n" : "\n";
  const block = stringify({ provisioning: provisioningTable(settings) }).replaceAll("\n", newline);
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
  let after: Record<string, unknown>;
  try {
    after = parseToml(result, "the edited config.toml");
  } catch (error) {
    throw before.provisioning === undefined ? error : unsupportedForm(error);
  }
  const { provisioning: _old, ...otherBefore } = before;
  const { provisioning, ...otherAfter } = after;
  if (!same(otherBefore, otherAfter) || !same(provisioning, provisioningTable(settings))) {
    throw unsupportedForm();
  }
  return result;
}

function unsupportedForm(cause?: unknown): BootstrapError {
  return new BootstrapError(
    "config_toml_invalid",
    "config.toml defines provisioning in a form this tool does not edit (dotted keys or an inline table): set [provisioning] by hand",
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
    throw new BootstrapError(
      "config_toml_invalid",
      `${what} is not valid TOML: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
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

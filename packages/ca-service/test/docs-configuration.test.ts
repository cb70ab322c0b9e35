import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTING_NAMES } from "../src/config/config.js";

const DOC = "docs/configuration.md";
const text = readFileSync(new URL(`../../../${DOC}`, import.meta.url), "utf8");
const documented = new Set(text.match(/EDGE_PKI_[A-Z0-9_]+/g) ?? []);

describe(DOC, () => {
  it("names every setting of the configuration schema", () => {
    const missing = SETTING_NAMES.filter((name) => !documented.has(name));
    expect(missing, `settings missing from ${DOC}: ${missing.join(", ")}`).toEqual([]);
  });

  it("names no setting the configuration schema does not have", () => {
    const extra = [...documented].filter((name) => !SETTING_NAMES.includes(name));
    expect(extra, `${DOC} names settings the schema does not have: ${extra.join(", ")}`).toEqual([]);
  });
});

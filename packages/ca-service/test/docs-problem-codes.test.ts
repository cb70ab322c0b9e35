import { readFileSync } from "node:fs";
import { PROBLEMS } from "@edge-pki/api-contract";
import { describe, expect, it } from "vitest";

const DOC = "docs/api.md";
const text = readFileSync(new URL(`../../../${DOC}`, import.meta.url), "utf8");
/** The error table's rows: `| \`code\` | status | meaning |`. */
const rows = new Map(
  [...text.matchAll(/^\| `([a-z_]+)` +\| (\d{3}) +\|/gm)].map((match) => [
    match[1] as string,
    Number(match[2]),
  ]),
);

describe(`${DOC}'s table of problem codes`, () => {
  it("names every problem code of the contract with its status, and no other", () => {
    const documented = Object.fromEntries(rows);
    const contract = Object.fromEntries(Object.entries(PROBLEMS).map(([code, { status }]) => [code, status]));
    expect(documented).toEqual(contract);
  });
});

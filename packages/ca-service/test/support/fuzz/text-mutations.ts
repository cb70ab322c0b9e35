import fc from "fast-check";

/**
 * One change to a text (a PEM, a compact JWS), as plain data. Positions are taken modulo the
 * text's length, as in `byte-mutations.ts`.
 */
export type TextMutation =
  /** Flips one bit of one character: 0-6 keep ASCII, 7 makes a Latin-1 character. */
  | { kind: "flip-bit"; at: number; bit: number }
  | { kind: "replace"; at: number; with: string }
  | { kind: "insert"; at: number; text: string }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; keep: number }
  /** Repeats a slice right after itself (a segment twice, a line twice). */
  | { kind: "duplicate"; at: number; count: number };

/** Characters that matter to the formats we mutate, and a few that should never appear. */
const interestingCharacter = fc.oneof(
  fc.constantFrom(
    ".",
    "-",
    "_",
    "+",
    "/",
    "=",
    " ",
    "\t",
    "\r",
    "\n",
    "\0",
    "%",
    '"',
    ";",
    ",",
    "é",
    "\u2028",
  ),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }),
);
const insertion = fc.oneof(
  fc.string({ unit: interestingCharacter, minLength: 1, maxLength: 6 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 4 }),
);

export const textMutation: fc.Arbitrary<TextMutation> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("flip-bit"), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("replace"), at: fc.nat(), with: interestingCharacter }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("insert"), at: fc.nat(), text: insertion }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delete"),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate"), keep: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("duplicate"),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

export const textMutations = fc.array(textMutation, { minLength: 1, maxLength: 3 });

export function applyTextMutations(original: string, mutations: readonly TextMutation[]): string {
  return mutations.reduce(applyTextMutation, original);
}

export function applyTextMutation(text: string, mutation: TextMutation): string {
  const at = (position: number, size = text.length) => (size === 0 ? 0 : position % size);
  switch (mutation.kind) {
    case "flip-bit": {
      if (text.length === 0) return text;
      const index = at(mutation.at);
      const flipped = String.fromCharCode(text.charCodeAt(index) ^ (1 << mutation.bit));
      return text.slice(0, index) + flipped + text.slice(index + 1);
    }
    case "replace": {
      if (text.length === 0) return mutation.with;
      const index = at(mutation.at);
      return text.slice(0, index) + mutation.with + text.slice(index + 1);
    }
    case "insert": {
      const index = at(mutation.at, text.length + 1);
      return text.slice(0, index) + mutation.text + text.slice(index);
    }
    case "delete": {
      const index = at(mutation.at);
      return text.slice(0, index) + text.slice(index + mutation.count);
    }
    case "truncate":
      return text.slice(0, at(mutation.keep));
    case "duplicate": {
      const index = at(mutation.at);
      const slice = text.slice(index, index + mutation.count);
      return text.slice(0, index + slice.length) + slice + text.slice(index + slice.length);
    }
  }
}

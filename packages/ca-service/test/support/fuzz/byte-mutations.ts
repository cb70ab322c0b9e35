import fc from "fast-check";
import { encodeLength, lengthFields } from "./der-lengths.js";

/**
 * One change to a byte string, as plain data so that fast-check prints a counterexample readably
 * and shrinks it. Positions are taken modulo the input's length (any natural number is a position),
 * so one arbitrary serves inputs of every size and shrinks towards the start.
 */
export type ByteMutation =
  | { kind: "flip-bit"; at: number; bit: number }
  | { kind: "set-byte"; at: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; keep: number }
  | { kind: "append"; bytes: Uint8Array }
  /** Rewrites the n-th length field of the DER (see `lengthFields`), leaving its contents alone. */
  | { kind: "tamper-length"; field: number; length: LengthTamper };

export type LengthTamper =
  | { by: number }
  | { to: number }
  /** BER's indefinite length, which DER forbids. */
  | { to: "indefinite" }
  /** The same length in a longer form than needed (0x82 0x00 0x05 for 5), which DER forbids. */
  | { to: "overlong" }
  /** A long form claiming more octets than a parser may read (0x84 0xff 0xff 0xff 0xff, 0xff …). */
  | { to: "huge"; octets: number };

const smallBytes = fc.uint8Array({ minLength: 1, maxLength: 8 });

const lengthTamper: fc.Arbitrary<LengthTamper> = fc.oneof(
  fc.record({ by: fc.integer({ min: -4, max: 4 }).filter((delta) => delta !== 0) }),
  fc.record({ to: fc.oneof(fc.nat({ max: 0x100 }), fc.nat({ max: 0xffffff })) }),
  fc.constant({ to: "indefinite" as const }),
  fc.constant({ to: "overlong" as const }),
  fc.record({ to: fc.constant("huge" as const), octets: fc.integer({ min: 1, max: 127 }) }),
);

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("flip-bit"), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("set-byte"), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("insert"), at: fc.nat(), bytes: smallBytes }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delete"),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate"), keep: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("append"), bytes: smallBytes }) },
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("tamper-length"), field: fc.nat(), length: lengthTamper }),
  },
);

/** One to three mutations, applied in turn: most inputs a fuzzer finds interesting are near-valid. */
export const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 3 });

export function applyByteMutations(original: Uint8Array, mutations: readonly ByteMutation[]): Uint8Array {
  return mutations.reduce(applyByteMutation, original);
}

function applyByteMutation(bytes: Uint8Array, mutation: ByteMutation): Uint8Array {
  const at = (position: number, size = bytes.length) => (size === 0 ? 0 : position % size);
  switch (mutation.kind) {
    case "flip-bit": {
      if (bytes.length === 0) return bytes;
      const copy = bytes.slice();
      const index = at(mutation.at);
      copy[index] = (copy[index] ?? 0) ^ (1 << mutation.bit);
      return copy;
    }
    case "set-byte": {
      if (bytes.length === 0) return bytes;
      const copy = bytes.slice();
      copy[at(mutation.at)] = mutation.value;
      return copy;
    }
    case "insert": {
      const index = at(mutation.at, bytes.length + 1);
      return concat(bytes.subarray(0, index), mutation.bytes, bytes.subarray(index));
    }
    case "delete": {
      const index = at(mutation.at);
      return concat(bytes.subarray(0, index), bytes.subarray(index + mutation.count));
    }
    case "truncate":
      return bytes.slice(0, at(mutation.keep));
    case "append":
      return concat(bytes, mutation.bytes);
    case "tamper-length":
      return tamperLength(bytes, mutation.field, mutation.length);
  }
}

function tamperLength(bytes: Uint8Array, fieldIndex: number, tamper: LengthTamper): Uint8Array {
  const fields = lengthFields(bytes);
  const field = fields[fieldIndex % Math.max(1, fields.length)];
  if (field === undefined) return bytes;
  let encoded: number[];
  if ("by" in tamper) encoded = encodeLength(Math.max(0, field.value + tamper.by));
  else if (tamper.to === "indefinite") encoded = [0x80];
  else if (tamper.to === "overlong") encoded = [0x84, ...uint32(field.value)];
  else if (tamper.to === "huge") encoded = [0x80 | tamper.octets, ...new Array<number>(4).fill(0xff)];
  else encoded = encodeLength(tamper.to);
  return concat(
    bytes.subarray(0, field.offset),
    Uint8Array.from(encoded),
    bytes.subarray(field.offset + field.octets),
  );
}

const uint32 = (value: number) => [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];

function concat(...parts: Uint8Array[]): Uint8Array {
  const result = new Uint8Array(parts.reduce((size, part) => size + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    result.set(part, offset);
    offset += part.length;
  }
  return result;
}

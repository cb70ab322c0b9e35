import { type KeyObject, sign } from "node:crypto";
import fc from "fast-check";
import { applyTextMutations, type TextMutation, textMutations } from "./text-mutations.js";

/**
 * Compact JWS (tokens, renewal proofs), taken apart and put back together by hand, as an attacker
 * would: segments swapped, dropped or replaced, JSON inside changed without re-signing.
 */
export const base64url = (value: unknown) =>
  Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** Random JSON objects, and values of every JSON type, as segment contents. */
const jsonObject = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });

/** A segment: base64url of JSON, of random bytes, or not base64url at all. */
const segment = fc.oneof(
  jsonObject.map(base64url),
  fc.jsonValue({ maxDepth: 2 }).map(base64url),
  fc.uint8Array({ maxLength: 96 }).map((bytes) => Buffer.from(bytes).toString("base64url")),
  fc.string({ unit: "grapheme-ascii", maxLength: 40 }),
);

/** Headers an attacker tries first: `none`, HMAC, algorithms of other key types, a `kid`, `crit`. */
export const hostileHeader = fc.record(
  {
    alg: fc.oneof(
      fc.constantFrom("none", "None", "HS256", "ES256", "ES384", "RS256", "PS256", "EdDSA", ""),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    typ: fc.constantFrom("JWT", "at+jwt", "JOSE"),
    kid: fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
    crit: fc.array(fc.string({ maxLength: 6 }), { maxLength: 2 }),
    x5c: fc.oneof(
      fc.array(fc.base64String({ maxLength: 80 }), { maxLength: 5 }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
    b64: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** Three to five segments of anything, and headers worth trying: what a random token looks like. */
export const jwsShaped = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join(".")),
  fc
    .tuple(hostileHeader, jsonObject, fc.oneof(fc.constant(""), segment))
    .map(([header, claims, signature]) => `${base64url(header)}.${base64url(claims)}.${signature}`),
);

/** A change to a compact JWS, without re-signing it. */
export type JwsMutation =
  | { kind: "text"; mutations: TextMutation[] }
  | { kind: "swap-segments"; first: number; second: number }
  | { kind: "drop-segment"; index: number }
  | { kind: "replace-segment"; index: number; with: string }
  | { kind: "add-segment"; with: string };

export const jwsMutation: fc.Arbitrary<JwsMutation> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("text"), mutations: textMutations }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("swap-segments"),
      first: fc.nat({ max: 2 }),
      second: fc.nat({ max: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop-segment"), index: fc.nat({ max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("replace-segment"), index: fc.nat({ max: 2 }), with: segment }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("add-segment"), with: segment }) },
);

export function applyJwsMutation(jws: string, mutation: JwsMutation): string {
  const segments = jws.split(".");
  switch (mutation.kind) {
    case "text":
      return applyTextMutations(jws, mutation.mutations);
    case "swap-segments": {
      const first = segments[mutation.first] ?? "";
      segments[mutation.first] = segments[mutation.second] ?? "";
      segments[mutation.second] = first;
      return segments.join(".");
    }
    case "drop-segment":
      return segments.filter((_, index) => index !== mutation.index).join(".");
    case "replace-segment":
      segments[mutation.index] = mutation.with;
      return segments.join(".");
    case "add-segment":
      return [...segments, mutation.with].join(".");
  }
}

/**
 * Whether two compact JWS are the same token: the same signed input (header and payload
 * segments, as characters) and a signature segment that decodes to the same bytes. jose decodes
 * base64url with atob, which ignores the unused low bits of the last character and any ASCII
 * whitespace, so a few characters of the signature segment can change without changing the token.
 * That malleability is known and reported; anything else that still verifies is a finding.
 */
export function isSameJws(original: string, candidate: string): boolean {
  const [header, payload, signature, ...rest] = original.split(".");
  const [otherHeader, otherPayload, otherSignature, ...otherRest] = candidate.split(".");
  if (rest.length > 0 || otherRest.length > 0) return false;
  if (header !== otherHeader || payload !== otherPayload) return false;
  const decoded = [signature, otherSignature].map(decodeAsJoseDoes);
  return decoded[0] !== undefined && decoded[0] === decoded[1];
}

/** What jose 6 does on Node 20 (no Uint8Array.fromBase64): atob after mapping the alphabet. */
function decodeAsJoseDoes(segment: string | undefined): string | undefined {
  if (segment === undefined || segment.includes("+") || segment.includes("/")) return undefined;
  try {
    return Buffer.from(atob(segment.replace(/-/g, "+").replace(/_/g, "/")), "latin1").toString("hex");
  } catch {
    return undefined;
  }
}

/**
 * A compact JWS over any header and payload, signed ES256 with `key` whatever the header claims:
 * with the right key, only the rules about the header and the claims stand between it and success.
 */
export function signCompact(header: unknown, payload: unknown, key: KeyObject): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

import fc from "fast-check";

/**
 * Changes to the members of a JSON object (a JWT's claims or header), to be signed with the right
 * key afterwards: what is left to test once the signature holds is every rule about the claims.
 */
export type MemberChange = { member: string; to: fc.JsonValue } | { member: string; removed: true };

/** Values near the edges of the rules: times around now, strings of the lengths that matter. */
export function edgeValues(nowSeconds: number, strings: readonly string[]): fc.Arbitrary<fc.JsonValue> {
  return fc.oneof(
    fc.integer({ min: -700, max: 700 }).map((offset) => nowSeconds + offset),
    fc.constantFrom(0, -1, 1.5, 2 ** 53, 1e21, nowSeconds + 0.5),
    fc.constantFrom(...strings),
    fc.array(fc.constantFrom(...strings), { maxLength: 3 }),
    fc.constantFrom("", "x".repeat(128), "x".repeat(129), "x".repeat(257)),
    fc.jsonValue({ maxDepth: 2 }),
  );
}

export function memberChanges(
  members: readonly string[],
  values: fc.Arbitrary<fc.JsonValue>,
): fc.Arbitrary<MemberChange[]> {
  const member = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...members) }, fc.string({ maxLength: 8 }));
  const change: fc.Arbitrary<MemberChange> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ member, to: values }) },
    { weight: 1, arbitrary: fc.record({ member, removed: fc.constant(true as const) }) },
  );
  return fc.array(change, { minLength: 1, maxLength: 3 });
}

export function applyMemberChanges(
  object: Readonly<Record<string, unknown>>,
  changes: readonly MemberChange[],
): Record<string, unknown> {
  const changed: Record<string, unknown> = { ...object };
  for (const change of changes) {
    if ("removed" in change) delete changed[change.member];
    // Own property even for `__proto__`, as JSON.parse would make it.
    else
      Object.defineProperty(changed, change.member, {
        value: change.to,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  }
  return changed;
}

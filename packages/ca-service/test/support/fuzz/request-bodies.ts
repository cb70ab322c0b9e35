import type { OperationDefinition } from "@edge-pki/api-contract";
import fc from "fast-check";
import { csrWithSubject, textCn } from "../forged-keys.js";
import { deviceIdArbitrary } from "./device-ids.js";
import { jwsShaped } from "./jws.js";

/**
 * Values for the body fields of the v1 operations, by field name: valid ones (so that some requests
 * succeed and the checks after validation are reached) and values at and beyond every limit. A
 * field not named here gets arbitrary JSON only, and so does every field some of the time.
 */
const FIELD_VALUES: Record<string, { valid: fc.Arbitrary<unknown>; edge: fc.Arbitrary<unknown> }> = {
  csr: {
    valid: deviceIdArbitrary.map((deviceId) => csrWithSubject(textCn(deviceId)).csrPem),
    edge: fc.constantFrom("", "x".repeat(32_769)),
  },
  deviceId: {
    valid: deviceIdArbitrary,
    edge: fc.constantFrom("", ".", "..", "a".repeat(65), "has space", "dev/1"),
  },
  validityDays: {
    valid: fc.integer({ min: 1, max: 36_500 }),
    edge: fc.constantFrom(-1, 0, 36_501, 1.5, 1e308),
  },
  strict: { valid: fc.boolean(), edge: fc.constantFrom("true", 1) },
  keyAlgorithm: {
    // RSA keys take the service a while to generate: mostly EC, so that the suite stays quick.
    valid: fc.constantFrom("ECDSA_P256", "ECDSA_P256", "ECDSA_P384", "ECDSA_P384", "RSA_2048"),
    edge: fc.constantFrom("RSA_4096", "Ed25519", "ecdsa_p256", ""),
  },
  pfxPassword: {
    valid: fc.string({ minLength: 1, maxLength: 20 }),
    edge: fc.oneof(
      fc.string({ unit: "binary", maxLength: 8 }),
      fc.constantFrom("", "x".repeat(257), "\ud800"),
    ),
  },
  ttlSeconds: { valid: fc.integer({ min: 60, max: 86_400 }), edge: fc.constantFrom(0, 59, 86_401, 60.5) },
  reason: {
    valid: fc.constantFrom("unspecified", "keyCompromise", "superseded", "cessationOfOperation"),
    edge: fc.constantFrom("certificateHold", "removeFromCRL", "KeyCompromise", ""),
  },
  proof: { valid: jwsShaped, edge: fc.constantFrom("", "x".repeat(32_769)) },
};

/** A field left out of a body (null would be a value of its own). */
const ABSENT = Symbol("absent");

/** The field names of an operation's JSON body, read from its schema in the contract. */
export function bodyFieldsOf(operation: OperationDefinition): string[] {
  const body = operation.body;
  if (body === undefined || body.mediaType !== "application/json") return [];
  const shape = (body.schema as { shape?: Record<string, unknown> }).shape;
  return shape === undefined ? [] : Object.keys(shape);
}

/**
 * Bodies for an operation: any JSON value at all, or an object with its fields (some left out,
 * some of the wrong type) and now and then one it does not know.
 */
export function fuzzedBody(operation: OperationDefinition): fc.Arbitrary<unknown> {
  const fields = bodyFieldsOf(operation);
  const valuesFor = (field: string) => {
    const values = FIELD_VALUES[field];
    const json = fc.jsonValue({ maxDepth: 1 });
    return values === undefined
      ? json
      : fc.oneof(
          { weight: 6, arbitrary: values.valid },
          { weight: 1, arbitrary: values.edge },
          { weight: 1, arbitrary: json },
        );
  };
  const withFields = fc
    .record(
      Object.fromEntries(
        fields.map((field) => [field, fc.option(valuesFor(field), { freq: 4, nil: ABSENT })]),
      ),
    )
    .map((body) => Object.fromEntries(Object.entries(body).filter(([, value]) => value !== ABSENT)));
  const withUnknownField = fc
    .tuple(withFields, fc.string({ minLength: 1, maxLength: 10 }), fc.jsonValue({ maxDepth: 1 }))
    .map(([body, name, value]) => ({ ...body, [name]: value }));
  return fc.oneof(
    { weight: 6, arbitrary: withFields },
    { weight: 1, arbitrary: withUnknownField },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  );
}

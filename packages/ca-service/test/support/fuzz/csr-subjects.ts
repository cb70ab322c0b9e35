import fc from "fast-check";
import { sequence, set, tlv } from "../der.js";
import { csrWithSubject } from "../forged-keys.js";
import { deviceIdArbitrary } from "./device-ids.js";

/**
 * Subjects of every shape, in CSRs that are properly signed: random bytes never get past the
 * signature check, so the code behind it (the CN rules, the device ID, the certificate's subject)
 * is only reached by requests that a real key signed. The attacker controls the subject entirely.
 */
export interface SubjectAttribute {
  type: keyof typeof ATTRIBUTE_TYPES | "random OID";
  /** The value's DER tag: a string type, or anything else an attacker puts there. */
  tag: number;
  content: Uint8Array;
  /** A string type with its text properly encoded: what any CA must be able to read. */
  wellFormed: boolean;
}
/** RDNs, each a set of one or more attributes. */
export type Subject = SubjectAttribute[][];

const ATTRIBUTE_TYPES = {
  CN: [0x55, 0x04, 0x03],
  O: [0x55, 0x04, 0x0a],
  OU: [0x55, 0x04, 0x0b],
  serialNumber: [0x55, 0x04, 0x05],
} as const;

/** The string types the CA takes a CN in (its DirectoryString choices and IA5String). */
export const TEXT_TAGS: ReadonlySet<number> = new Set([0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1e]);
const OTHER_TAGS = [0x02, 0x03, 0x04, 0x05, 0x12, 0x1a, 0x1b, 0x17, 0x30, 0x31, 0x80, 0xa0];

const anyText = fc.oneof(
  deviceIdArbitrary,
  fc.string({ unit: "grapheme-ascii", maxLength: 70 }),
  fc.string({ unit: "binary", maxLength: 20 }),
);

/** A value's contents: the text properly encoded for its tag, or raw bytes (odd-length BMP…). */
function contentFor(tag: number): fc.Arbitrary<{ content: Uint8Array; wellFormed: boolean }> {
  const encoded = anyText.map((text) => ({ content: encodeText(tag, text), wellFormed: TEXT_TAGS.has(tag) }));
  const raw = fc.uint8Array({ maxLength: 70 }).map((content) => ({ content, wellFormed: false }));
  return fc.oneof({ weight: 3, arbitrary: encoded }, { weight: 1, arbitrary: raw });
}

function encodeText(tag: number, text: string): Uint8Array {
  if (tag === 0x1e) return Buffer.from(text, "utf16le").swap16();
  if (tag === 0x1c) {
    const points = [...text].map((character) => character.codePointAt(0) ?? 0);
    const bytes = Buffer.alloc(points.length * 4);
    points.forEach((point, index) => {
      bytes.writeUInt32BE(point, index * 4);
    });
    return bytes;
  }
  return Buffer.from(text, tag === 0x0c ? "utf8" : "latin1");
}

const attribute: fc.Arbitrary<SubjectAttribute> = fc
  .record({
    type: fc.oneof(
      { weight: 4, arbitrary: fc.constant("CN" as const) },
      { weight: 2, arbitrary: fc.constantFrom("O" as const, "OU" as const, "serialNumber" as const) },
      { weight: 1, arbitrary: fc.constant("random OID" as const) },
    ),
    tag: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...TEXT_TAGS) },
      { weight: 1, arbitrary: fc.constantFrom(...OTHER_TAGS) },
    ),
  })
  .chain(({ type, tag }) => contentFor(tag).map((value) => ({ type, tag, ...value })));

export const subjectArbitrary: fc.Arbitrary<Subject> = fc.array(
  fc.array(attribute, { minLength: 1, maxLength: 2 }),
  {
    minLength: 0,
    maxLength: 4,
  },
);

/** The subject's DER: RDNs in order, each a SET of AttributeTypeAndValue. */
export function subjectDer(subject: Subject): Uint8Array {
  return sequence(
    ...subject.map((rdn) =>
      set(...rdn.map((value) => sequence(oidOf(value), tlv(value.tag, value.content)))),
    ),
  );
}

function oidOf(value: SubjectAttribute): Uint8Array {
  const body =
    value.type === "random OID" ? [0x2a, 0x03, value.content.length & 0x7f] : ATTRIBUTE_TYPES[value.type];
  return tlv(0x06, Uint8Array.from(body));
}

/** A CSR for a fresh P-256 key with this subject, properly signed. PEM. */
export function signedCsrWithSubject(subject: Subject): string {
  return csrWithSubject(subjectDer(subject)).csrPem;
}

export const commonNamesOf = (subject: Subject) => subject.flat().filter((value) => value.type === "CN");

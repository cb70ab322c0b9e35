import fc from "fast-check";

/**
 * How a DER is wrapped in PEM: the labels, the line width and breaks, text around the block, the
 * base64 padding. Tools differ in all of these; what a parser must accept is RFC 7468's lax form
 * (any whitespace, explanatory text around the block), and what it must refuse is a block of
 * another kind or more than one block.
 */
export interface PemWrapping {
  beginLabel: string;
  endLabel: string;
  /** Base64 characters per line; 0 puts the whole base64 on one line. */
  lineWidth: number;
  lineBreak: string;
  indent: string;
  before: string;
  after: string;
  stripPadding: boolean;
}

const CSR_LABELS = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"];
const label = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CSR_LABELS) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("CERTIFICATE", "PUBLIC KEY", "PRIVATE KEY", "certificate request", ""),
  },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 24 }) },
);
const whitespace = fc.constantFrom("\n", "\r\n", "\r", " ", "\t", "\n\n", " \n");
/** Explanatory text around the block, as `openssl req -text` writes; sometimes another block. */
const surroundingText = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 40 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n",
      "-----BEGIN CERTIFICATE-----\n",
      "-----END CERTIFICATE REQUEST-----\n",
      "-----",
    ),
  },
);

export const pemWrapping: fc.Arbitrary<PemWrapping> = fc
  .record({
    beginLabel: label,
    sameEndLabel: fc.boolean(),
    otherEndLabel: label,
    lineWidth: fc.oneof(fc.constantFrom(64, 76, 0), fc.integer({ min: 1, max: 200 })),
    lineBreak: whitespace,
    indent: fc.constantFrom("", " ", "\t", "  "),
    before: surroundingText,
    after: surroundingText,
    stripPadding: fc.boolean(),
  })
  .map(({ sameEndLabel, otherEndLabel, ...wrapping }) => ({
    ...wrapping,
    endLabel: sameEndLabel ? wrapping.beginLabel : otherEndLabel,
  }));

export function wrapPem(der: Uint8Array, wrapping: PemWrapping): string {
  let base64 = Buffer.from(der).toString("base64");
  if (wrapping.stripPadding) base64 = base64.replace(/=+$/, "");
  const lines = wrapping.lineWidth === 0 ? [base64] : (base64.match(chunk(wrapping.lineWidth)) ?? []);
  const { lineBreak, indent } = wrapping;
  return [
    wrapping.before,
    `-----BEGIN ${wrapping.beginLabel}-----`,
    lineBreak,
    lines.map((line) => `${indent}${line}`).join(lineBreak),
    lineBreak,
    `-----END ${wrapping.endLabel}-----`,
    lineBreak,
    wrapping.after,
  ].join("");
}

const chunk = (width: number) => new RegExp(`.{1,${width}}`, "g");

/**
 * A wrapping a CSR parser must accept as the very request it wraps: one block, labelled as a CSR
 * at both ends, nothing but whitespace changed and text without dashes around it.
 */
export function isFaithfulCsrWrapping(wrapping: PemWrapping): boolean {
  return (
    CSR_LABELS.includes(wrapping.beginLabel) &&
    wrapping.endLabel === wrapping.beginLabel &&
    !wrapping.before.includes("-") &&
    !wrapping.after.includes("-")
  );
}

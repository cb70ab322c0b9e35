/**
 * Where the length fields of a DER encoding are: the targets of length tampering. A length lying
 * about its contents is the classic parser bug (reads past the end, a nested element spilling
 * into its parent), and random bit flips rarely land on one in a way that stays parseable.
 */
export interface LengthField {
  /** Offset of the first length octet. */
  offset: number;
  /** How many octets it takes: 1 for the short form, 1 + n for the long form. */
  octets: number;
  /** The length it states. */
  value: number;
}

/** The length fields of every element in `der`, nested ones included, in order of offset. */
export function lengthFields(der: Uint8Array): LengthField[] {
  const fields: LengthField[] = [];
  walk(der, 0, der.length, fields, 0);
  return fields;
}

// Deep enough for any certificate or CSR; the bound keeps a hostile input from recursing forever.
const MAX_DEPTH = 32;

function walk(der: Uint8Array, start: number, end: number, fields: LengthField[], depth: number): void {
  let offset = start;
  while (offset + 2 <= end && depth < MAX_DEPTH) {
    const tag = der[offset] ?? 0;
    // Multi-byte tags (low bits all set) do not occur in what we mutate: stop rather than guess.
    if ((tag & 0x1f) === 0x1f) return;
    const lengthOffset = offset + 1;
    const first = der[lengthOffset] ?? 0;
    let octets = 1;
    let value = first;
    if (first & 0x80) {
      const count = first & 0x7f;
      if (count === 0 || count > 4 || lengthOffset + 1 + count > end) return;
      value = 0;
      for (let i = 0; i < count; i++) value = value * 256 + (der[lengthOffset + 1 + i] ?? 0);
      octets = 1 + count;
    }
    const contents = lengthOffset + octets;
    if (contents + value > end) return;
    fields.push({ offset: lengthOffset, octets, value });
    // Constructed (SEQUENCE, SET, [n] explicit): its contents are elements too.
    if (tag & 0x20) walk(der, contents, contents + value, fields, depth + 1);
    // A BIT STRING or OCTET STRING often wraps DER (a public key, an extension's value).
    else if ((tag === 0x03 || tag === 0x04) && value > 2) {
      const inner = tag === 0x03 ? contents + 1 : contents;
      if (der[inner] === 0x30) walk(der, inner, contents + value, fields, depth + 1);
    }
    offset = contents + value;
  }
}

/** The encoding of a length in DER (short form below 128, long form above). */
export function encodeLength(value: number): number[] {
  if (value < 0x80) return [value];
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

/**
 * The first element inside the SEQUENCE at the start of `der`, whole (tag, length, contents): a
 * CSR's CertificationRequestInfo, a certificate's TBSCertificate. Undefined when it does not parse.
 */
export function firstInnerElement(der: Uint8Array): Uint8Array | undefined {
  const [outer, inner] = lengthFields(der);
  if (outer === undefined || inner === undefined) return undefined;
  const start = outer.offset + outer.octets;
  if (inner.offset !== start + 1) return undefined;
  return der.slice(start, inner.offset + inner.octets + inner.value);
}

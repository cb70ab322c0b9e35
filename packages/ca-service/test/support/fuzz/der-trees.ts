import fc from "fast-check";
import { tlv } from "../der.js";

/**
 * Random DER that is well-formed as TLV (every length right) but means nothing: it gets past the
 * framing checks that reject random bytes at once, into the ASN.1 schema parsers behind them.
 */
const CONSTRUCTED_TAGS = [0x30, 0x31, 0xa0, 0xa1, 0xa3];
const PRIMITIVE_TAGS = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x16, 0x17, 0x18, 0x1e, 0x80, 0x81];

/** Well-known OIDs' contents, so that an algorithm identifier sometimes names a real algorithm. */
const OID_CONTENTS = [
  [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01], // id-ecPublicKey
  [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07], // P-256
  [0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02], // ecdsa-with-SHA256
  [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01], // rsaEncryption
  [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b], // sha256WithRSAEncryption
  [0x2b, 0x65, 0x70], // Ed25519
  [0x55, 0x04, 0x03], // CN
];

export type DerTree = { tag: number; content: Uint8Array } | { tag: number; children: DerTree[] };

const { tree } = fc.letrec<{ tree: DerTree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.oneof(
      fc.record({ tag: fc.constantFrom(...PRIMITIVE_TAGS), content: fc.uint8Array({ maxLength: 40 }) }),
      fc.record({
        tag: fc.constant(0x06),
        content: fc.constantFrom(...OID_CONTENTS).map((oid) => Uint8Array.from(oid)),
      }),
      fc.record({
        tag: fc.constant(0x02),
        content: fc.constantFrom(Uint8Array.of(0), Uint8Array.of(1), Uint8Array.of(2)),
      }),
    ),
    fc.record({
      tag: fc.constantFrom(...CONSTRUCTED_TAGS),
      children: fc.array(tie("tree"), { maxLength: 4 }),
    }),
  ),
}));

/** A top-level SEQUENCE, as every CSR, certificate and key starts. */
export const derTree: fc.Arbitrary<DerTree> = fc.record({
  tag: fc.constant(0x30),
  children: fc.array(tree, { minLength: 1, maxLength: 4 }),
});

export function encodeDerTree(node: DerTree): Uint8Array {
  if ("content" in node) return tlv(node.tag, node.content);
  const children = node.children.map(encodeDerTree);
  const content = new Uint8Array(children.reduce((size, child) => size + child.length, 0));
  let offset = 0;
  for (const child of children) {
    content.set(child, offset);
    offset += child.length;
  }
  return tlv(node.tag, content);
}

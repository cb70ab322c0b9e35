import { AsnArray, AsnConvert, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes } from "@peculiar/asn1-schema";
import { AlgorithmIdentifier } from "@peculiar/asn1-x509";

export type PropOptions = Parameters<typeof AsnProp>[0];

/**
 * The tsconfig uses standard (TC39) decorators, which asn1-schema's legacy decorators are incompatible
 * with, so the schemas are registered by calling the decorators directly. Nested structures are
 * passed as already-encoded DER (AsnPropTypes.Any), which keeps each schema a flat field list.
 */
export function sequence<T extends object>(
  fields: { [K in keyof T]-?: PropOptions },
): (value: T) => ArrayBuffer {
  class Sequence {}
  AsnType({ type: AsnTypeTypes.Sequence })(Sequence);
  for (const [name, options] of Object.entries<PropOptions>(fields)) {
    AsnProp(options)(Sequence.prototype, name);
  }
  return (value) => AsnConvert.serialize(Object.assign(new Sequence(), value));
}

class DerSequence extends AsnArray<ArrayBuffer> {}
AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.Any })(DerSequence);
export const sequenceOf = (items: ArrayBuffer[]): ArrayBuffer => AsnConvert.serialize(new DerSequence(items));

export const oid = { type: AsnPropTypes.ObjectIdentifier };
export const integer = { type: AsnPropTypes.Integer };
export const octets = { type: AsnPropTypes.OctetString };
export const der = { type: AsnPropTypes.Any };
export const algorithm = { type: AlgorithmIdentifier };

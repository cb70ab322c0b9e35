/**
 * The `x5c` of a merge: each entry base64. Real vaults take base64 of DER and also base64 of PEM
 * text: the SDK's recorded "can merge a self-signed certificate" session sends base64 of the PEM
 * body (armour and line breaks included) and gets 201.
 */
import { fromBase64 } from "./encoding.js";
import { badParameter } from "./errors.js";

const PEM_ARMOUR = /-----(BEGIN|END) [A-Z ]+-----/g;

/** The DER certificates of an `x5c` array; 400 BadParameter when an entry is neither form. */
export function parseX5c(value: unknown): Uint8Array[] {
  if (!Array.isArray(value) || value.length === 0)
    throw badParameter("Property 'x5c' must be a non-empty array.");
  return value.map((item, i) => {
    const decoded = typeof item === "string" ? fromBase64(item) : undefined;
    const der = decoded && (isDerSequence(decoded) ? decoded : derOfPemText(decoded));
    if (!der || der.length === 0)
      throw badParameter(`Property 'x5c[${i}]' must be base64 of a DER or PEM certificate.`);
    return der;
  });
}

/** DER starts with a SEQUENCE tag; PEM text starts with '-' or a base64 letter. */
function isDerSequence(bytes: Uint8Array): boolean {
  return bytes[0] === 0x30;
}

function derOfPemText(bytes: Uint8Array): Uint8Array | undefined {
  const text = Buffer.from(bytes).toString("latin1").replace(PEM_ARMOUR, "");
  return fromBase64(text);
}

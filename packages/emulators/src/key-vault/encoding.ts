/** Key Vault mixes two encodings: JWK fields, digests and signatures are base64url; `cer` and `csr` are base64. */

export const toBase64Url = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64url");

export const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64");

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes base64url (padding optional); `undefined` when the text is not base64url. */
export function fromBase64Url(text: string): Buffer | undefined {
  return BASE64URL.test(text) ? Buffer.from(text, "base64url") : undefined;
}

/** Decodes standard base64; `undefined` when the text is not base64. */
export function fromBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, "");
  return BASE64.test(compact) ? Buffer.from(compact, "base64") : undefined;
}

/** Unix seconds, the unit of every Key Vault timestamp. */
export const unixSeconds = (ms: number): number => Math.floor(ms / 1000);

/**
 * PEM as RFC 7468 writes it (base64 in lines of 64, no trailing newline), which is what
 * `x509.PemConverter.encode` produces byte for byte (test/pem.test.ts). Written here because every
 * issuance renders the leaf and its chain: the library's encoder spent more time than the rest of
 * the answer's rendering together.
 */
function pemBlock(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let body = "";
  for (let start = 0; start < base64.length; start += 64) body += `${base64.slice(start, start + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----`;
}

/** One PEM certificate block, without a trailing newline. */
export function certificatePem(der: Uint8Array): string {
  return pemBlock(der, "CERTIFICATE");
}

/** PEM blocks one per line, ending in a newline, in the order given. */
export function certificatesPem(ders: readonly Uint8Array[]): string {
  return `${ders.map(certificatePem).join("\n")}\n`;
}

export function crlPem(der: Uint8Array): string {
  return `${pemBlock(der, "X509 CRL")}\n`;
}

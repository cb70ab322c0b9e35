import { x509 } from "../../core/x509.js";

/** One PEM certificate block, without a trailing newline. */
export function certificatePem(der: Uint8Array): string {
  return x509.PemConverter.encode(der, "CERTIFICATE");
}

/** PEM blocks one per line, ending in a newline, in the order given. */
export function certificatesPem(ders: readonly Uint8Array[]): string {
  return `${ders.map(certificatePem).join("\n")}\n`;
}

export function crlPem(der: Uint8Array): string {
  return `${x509.PemConverter.encode(der, "X509 CRL")}\n`;
}

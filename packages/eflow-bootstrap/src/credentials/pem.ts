/** Each certificate of a PEM chain as its own PEM block, in file order. */
export function certificatePems(chainPem: string): string[] {
  return [
    ...chainPem.matchAll(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]*?-----END CERTIFICATE-----/g),
  ].map((match) => `${match[0]}\n`);
}

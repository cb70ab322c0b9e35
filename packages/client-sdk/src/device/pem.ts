/** PEM blocks of one label, as DER, in file order. */
export function pemBlocks(text: string, label: string): Buffer[] {
  const pattern = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]*?)-----END ${label}-----`, "g");
  return [...text.matchAll(pattern)].map((match) =>
    Buffer.from((match[1] ?? "").replace(/\s+/g, ""), "base64"),
  );
}

/** RFC 7468 PEM: 64-character lines, a trailing newline. */
export function toPem(label: string, der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64");
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/** Each certificate of a PEM chain as its own PEM block, in order. */
export function certificatePems(chainPem: string): string[] {
  return pemBlocks(chainPem, "CERTIFICATE").map((der) => toPem("CERTIFICATE", der));
}

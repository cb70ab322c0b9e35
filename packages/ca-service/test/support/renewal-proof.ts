import { createHash, randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { importPKCS8, SignJWT } from "jose";
import { openssl, type TempDir } from "./openssl.js";

/** The DER inside each PEM block of a file. */
function pemBlocks(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN [A-Z ]+-----([\s\S]+?)-----END [A-Z ]+-----/g)].map((match) =>
    Buffer.from((match[1] ?? "").replace(/\s+/g, ""), "base64"),
  );
}

/** x5c: the chain as base64 DER, leaf first. */
export function x5cOf(chainPem: string): string[] {
  return pemBlocks(chainPem).map((der) => der.toString("base64"));
}

/** What the proof's csr_sha256 claim must be. */
export function csrSha256(csrPem: string): string {
  return createHash("sha256")
    .update(pemBlocks(csrPem)[0] ?? Buffer.alloc(0))
    .digest("base64url");
}

export interface ProofOptions {
  /** PKCS#8 PEM of the key that signs the proof. */
  keyPem: string;
  alg?: "ES256" | "ES384" | "RS256" | "PS256";
  /** The current certificate's chain, leaf first. */
  chainPem: string;
  csrPem: string;
  audience?: string;
  /** Seconds since the epoch; now when absent. */
  issuedAt?: number;
  lifetimeSeconds?: number;
  jti?: string;
  csrSha256?: string;
}

/** A renewal proof made the way a device would, with jose. */
export async function renewalProof(options: ProofOptions): Promise<string> {
  const alg = options.alg ?? "ES256";
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ csr_sha256: options.csrSha256 ?? csrSha256(options.csrPem) })
    .setProtectedHeader({ alg, x5c: x5cOf(options.chainPem) })
    .setAudience(options.audience ?? "edge-pki:renew")
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + (options.lifetimeSeconds ?? 120))
    .setJti(options.jti ?? randomUUID())
    .sign(await importPKCS8(options.keyPem, alg));
}

/** An unsigned JWS (`alg: none`) with the given header and claims. */
export function unsignedProof(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  return `${encode(header)}.${encode(claims)}.`;
}

/** A CSR for a key the device already has (renewing without a new key). */
export async function csrForKey(dir: TempDir, keyPath: string, subject: string): Promise<string> {
  const path = join(dir.path, `${randomUUID()}.csr.pem`);
  await openssl(["req", "-new", "-key", keyPath, "-subj", subject, "-out", path]);
  return readFile(path, "utf8");
}

import fc from "fast-check";
import { exponentOneCsr } from "../forged-keys.js";
import { type CsrKey, opensslCsr, type TempDir } from "../openssl.js";

/** A CSR that mutations start from, named so that a counterexample says which one. */
export interface SeedCsr {
  name: string;
  pem: string;
  der: Uint8Array;
  /** The subject openssl was given; the device ID when it is one. */
  subject: string;
}

/**
 * What the mutations start from: CSRs openssl made for every key the CA accepts (so that a mutation
 * can land on each code path of a valid request), for keys it refuses, and for subjects it refuses;
 * and one hand-built attack (RSA e = 1). RSA keys above 2048 bits are left out: they take seconds
 * to generate and exercise nothing a 2048-bit one does not.
 */
const SEEDS: { name: string; subject: string; key: CsrKey }[] = [
  { name: "P-256", subject: "/CN=fuzz-p256", key: "P-256" },
  { name: "P-384", subject: "/CN=fuzz-p384", key: "P-384" },
  { name: "RSA-2048", subject: "/CN=fuzz-rsa2048", key: "RSA-2048" },
  { name: "Ed25519 (refused key)", subject: "/CN=fuzz-ed25519", key: "ED25519" },
  { name: "P-521 (refused key)", subject: "/CN=fuzz-p521", key: "P-521" },
  { name: "no CN", subject: "/O=Fuzz/OU=No CN", key: "P-256" },
  { name: "two CNs", subject: "/CN=fuzz-one/CN=fuzz-two", key: "P-256" },
  { name: "CN not a device ID", subject: "/CN=not a device id!", key: "P-256" },
];

export async function makeSeedCsrs(dir: TempDir): Promise<SeedCsr[]> {
  const made = await Promise.all(
    SEEDS.map(async (seed) => {
      const { csrPem } = await opensslCsr(dir, seed.subject, seed.key);
      return seedCsr(seed.name, csrPem, seed.subject);
    }),
  );
  return [...made, seedCsr("RSA e = 1 (refused key)", exponentOneCsr("fuzz-e1"), "/CN=fuzz-e1")];
}

function seedCsr(name: string, pem: string, subject: string): SeedCsr {
  const base64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return {
    name,
    pem,
    der: new Uint8Array(Buffer.from(base64, "base64")),
    subject,
    // A counterexample names the seed instead of printing its PEM.
    [fc.toStringMethod]: () => `seed(${name})`,
  } as SeedCsr;
}

export const seedCsrArbitrary = (seeds: readonly SeedCsr[]) => fc.constantFrom(...seeds);

import { buildCsr, generateDeviceKey } from "@edge-pki/client-sdk";

/** Keys made at once on libuv's pool: enough to keep its threads busy, few enough to bound memory. */
const BATCH = 256;

/**
 * P-256 CSRs made before any clock starts, each with a key of its own and `CN=<prefix>-<n>`, by the
 * SDK's CSR builder (the one factory lines use). Every server gets the same ones.
 */
export async function generateCsrs(count: number, prefix: string): Promise<string[]> {
  const csrs: string[] = [];
  while (csrs.length < count) {
    const batch = Math.min(BATCH, count - csrs.length);
    const start = csrs.length;
    const made = await Promise.all(
      Array.from({ length: batch }, async (_, offset) => {
        const csr = await buildCsr(`${prefix}-${start + offset}`, await generateDeviceKey("ECDSA_P256"));
        return csr.pem;
      }),
    );
    csrs.push(...made);
  }
  return csrs;
}

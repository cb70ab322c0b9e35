import type { CertificateStore, RecordIssuanceRequest } from "../../ports/certificate-store.js";
import type { StoreMetrics } from "../../ports/metrics.js";

/** The store's write transactions: each is timed, whichever operation calls it. */
const WRITES = new Set<string>([
  "recordIssuance",
  "recordCaCertificate",
  "recordEvent",
  "purgeExpired",
  "revoke",
  "allocateCrlNumber",
  "publishCrl",
  "consumeRenewalProof",
  "recordTokenMint",
  "revokeApiToken",
  "recordEstCredential",
  "revokeEstCredential",
  "appendAudit",
] satisfies (keyof CertificateStore)[]);

/**
 * The store, reporting how long each write transaction took and whether it committed, and every
 * certificate whose issuance committed or failed. Counting at the commit, not at the request, counts
 * each certificate once: an idempotent replay commits nothing, and a certificate whose commit
 * failed was never returned.
 */
export function observedStore(store: CertificateStore, metrics: StoreMetrics): CertificateStore {
  return new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function" || typeof property !== "string" || !WRITES.has(property)) {
        return typeof value === "function" ? value.bind(target) : value;
      }
      return async (...args: unknown[]) => {
        const started = performance.now();
        const done = (committed: boolean) => {
          metrics.storeWrite({
            operation: property,
            committed,
            seconds: (performance.now() - started) / 1000,
          });
          if (property === "recordIssuance") {
            const { profile } = (args[0] as RecordIssuanceRequest).certificate;
            metrics.issuance({ profile, outcome: committed ? "issued" : "failed" });
          }
        };
        try {
          const result = await (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args);
          done(true);
          return result;
        } catch (error) {
          done(false);
          throw error;
        }
      };
    },
  });
}

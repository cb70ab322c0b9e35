import type { Profile } from "../core/profiles.js";

/**
 * What the service reports for operators to watch, by the part that sees it happen. An adapter
 * (Prometheus) keeps the counts and renders them; nothing here knows about its format.
 */

/** How a certificate the CA signed ended: committed to the store (then returned), or never committed. */
export type IssuanceOutcome = "issued" | "failed";

export interface StoreMetrics {
  /** A certificate of `profile` was committed with its audit entry, or its commit failed. */
  issuance(event: { profile: Profile; outcome: IssuanceOutcome }): void;
  /** A write transaction of the store ended, committed or not. */
  storeWrite(event: { operation: string; committed: boolean; seconds: number }): void;
}

/** How one call to Key Vault's sign ended. */
export type VaultSignOutcome = "signed" | "throttled" | "transient" | "rejected";

export interface KeyVaultMetrics {
  /**
   * One sign call (one attempt: a retry is another call) ended; `concurrencyLimit` is the adaptive
   * limit on calls in flight once it adapted to this outcome.
   */
  vaultSign(event: { outcome: VaultSignOutcome; seconds: number; concurrencyLimit: number }): void;
}

/** The budgets a request can be refused for (429). */
export type RateLimitBudget = "caller" | "device" | "public" | "auth-failures";

export interface HttpMetrics {
  /** A request was answered: by operation (`unmatched` for no route) and status. */
  request(event: { operation: string; status: number; seconds: number }): void;
  /** A request was refused for being over `budget`. */
  rateLimited(event: { budget: RateLimitBudget }): void;
}

/** Every metric rendered for a scraper, in the Prometheus text format (version 0.0.4). */
export interface MetricsExposition {
  render(): Promise<string>;
}

export interface ServiceMetrics extends StoreMetrics, KeyVaultMetrics, HttpMetrics, MetricsExposition {}

import type { CaKeyStore } from "../ports/ca-key-store.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock, RandomBytes } from "../ports/clock.js";
import type { ServiceMetrics } from "../ports/metrics.js";
import type { TokenSigner } from "../ports/token-signer.js";
import type { TokenVerifier } from "../ports/token-verifier.js";
import type { AuditSummaries } from "./audit-summaries.js";
import type { EstCredentialVerifier } from "./est-credential-verifier.js";
import type { IssuingCaSource } from "./issuing-ca-source.js";
import type { RevocationList } from "./revocation-list.js";

export interface IssuancePolicy {
  /** The longest validity a device certificate gets, in days. */
  maxValidityDays: number;
  /** Written into device certificates as the CRL distribution point, when set. */
  crlDistributionPoint?: string | undefined;
}

export interface CrlPolicy {
  /** From thisUpdate to nextUpdate; the CRL is re-signed after half of it. */
  validityHours: number;
}

export interface RenewalPolicy {
  /** Days after expiry during which a certificate may still renew. */
  graceDays: number;
  /** What a renewal proof's aud may be. */
  audiences: string[];
}

/**
 * Everything the service's operations use, assembled once by the composition root; each operation
 * takes only the part it needs.
 */
export interface ServiceContext {
  /**
   * The root and the intermediate in use, which a retirement (on any replica) replaces: read it
   * per request, never keep it.
   */
  issuingCa: IssuingCaSource;
  keyStore: CaKeyStore;
  store: CertificateStore;
  clock: Clock;
  random: RandomBytes;
  policy: IssuancePolicy;
  crl: CrlPolicy;
  renewal: RenewalPolicy;
  /** The service's own token issuer (bootstrap and API tokens). */
  tokens: TokenSigner;
  /** Checks bearer tokens from our own issuer and the configured OpenID Connect issuers. */
  verifier: TokenVerifier;
  /** API tokens of ours that were revoked, as every replica must refuse them. */
  tokenRevocations: RevocationList;
  /** Checks EST Basic credentials; it refuses revoked ones as every replica must. */
  estCredentials: EstCredentialVerifier;
  /** Audits what a client can cause in bulk, summarised per caller and minute. */
  auditSummaries: AuditSummaries;
  /** What the store, the key store and the HTTP layer report, and what `GET /metrics` renders. */
  metrics: ServiceMetrics;
}

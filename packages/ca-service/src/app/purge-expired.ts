import { IDEMPOTENCY_RETENTION_MS } from "../core/idempotency.js";
import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";

/**
 * A used token's row matters only while the token could still verify; an hour past its expiry
 * leaves room for any replica's clock skew on top of the verification leeway.
 */
const USED_TOKEN_GRACE_MS = 3600 * 1000;

/** Drops idempotency records past retention and used-token rows no longer needed; run opportunistically. */
export async function purgeExpired(deps: {
  store: Pick<CertificateStore, "purgeExpired">;
  clock: Clock;
}): Promise<void> {
  const now = deps.clock.now().getTime();
  await deps.store.purgeExpired({
    idempotencyCreatedBefore: new Date(now - IDEMPOTENCY_RETENTION_MS),
    tokensExpiredBefore: new Date(now - USED_TOKEN_GRACE_MS),
  });
}

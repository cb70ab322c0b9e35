import { IDEMPOTENCY_RETENTION_MS } from "../core/idempotency.js";
import type { ServiceContext } from "./service-context.js";

/**
 * A used token's row matters only while the token could still verify; an hour past its expiry
 * leaves room for any replica's clock skew on top of the verification leeway.
 */
const USED_TOKEN_GRACE_MS = 3600 * 1000;

/** Drops idempotency records past retention and used-token rows no longer needed; run opportunistically. */
export async function purgeExpired(context: Pick<ServiceContext, "store" | "clock">): Promise<void> {
  const now = context.clock.now().getTime();
  await context.store.purgeExpired({
    idempotencyCreatedBefore: new Date(now - IDEMPOTENCY_RETENTION_MS),
    tokensExpiredBefore: new Date(now - USED_TOKEN_GRACE_MS),
  });
}

import type { CertificateStore } from "../ports/certificate-store.js";
import type { Clock } from "../ports/clock.js";

export interface Denial {
  actor: string;
  /**
   * `auth.failure` (no or a bad token), `auth.denied` (a valid token without the right) or
   * `renewal.refused` (a bad proof, or a certificate that may not renew).
   */
  action: "auth.failure" | "auth.denied" | "renewal.refused";
  /** The request as `METHOD /path`, or what it was about. */
  target: string;
  reason: string;
  details?: Record<string, unknown>;
}

/** Records a refused request in the audit log. */
export async function recordDenial(
  deps: { store: Pick<CertificateStore, "appendAudit">; clock: Clock },
  denial: Denial,
): Promise<void> {
  await deps.store.appendAudit({
    at: deps.clock.now(),
    actor: denial.actor,
    action: denial.action,
    target: denial.target,
    outcome: "failure",
    details: { reason: denial.reason, ...denial.details },
  });
}

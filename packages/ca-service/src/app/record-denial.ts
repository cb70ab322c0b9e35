import type { ServiceContext } from "./service-context.js";

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
export async function recordDenial(context: Pick<ServiceContext, "store" | "clock">, denial: Denial) {
  await context.store.appendAudit({
    at: context.clock.now(),
    actor: denial.actor,
    action: denial.action,
    target: denial.target,
    outcome: "failure",
    details: { reason: denial.reason, ...denial.details },
  });
}

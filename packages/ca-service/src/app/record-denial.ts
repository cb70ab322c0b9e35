import type { ServiceContext } from "./service-context.js";

export interface Denial {
  actor: string;
  /** `auth.failure` (no or a bad token) or `auth.denied` (a valid token without the right). */
  action: "auth.failure" | "auth.denied";
  /** The request, as `METHOD /path`. */
  target: string;
  reason: string;
}

/** Records a refused request in the audit log. */
export async function recordDenial(context: Pick<ServiceContext, "store" | "clock">, denial: Denial) {
  await context.store.appendAudit({
    at: context.clock.now(),
    actor: denial.actor,
    action: denial.action,
    target: denial.target,
    outcome: "failure",
    details: { reason: denial.reason },
  });
}

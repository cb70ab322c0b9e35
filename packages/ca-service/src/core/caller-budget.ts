import type { Principal } from "./principal.js";

/** The default budgets of authenticated callers, per identity; 0 means unlimited. */
export interface CallerBudgetDefaults {
  /** Callers with an API token or an OpenID Connect token: services, factory lines, operators. */
  perMinute: number;
  /** Devices: a bootstrap token, a renewal proof, a TLS client certificate, a one-device EST credential. */
  devicePerMinute: number;
}

/** Which budget an authenticated request draws on, and how large it is. */
export interface CallerBudget {
  kind: "caller" | "device";
  /** Requests per minute, also the largest burst; 0 means unlimited. */
  perMinute: number;
}

/**
 * A caller's budget: the one its API token was minted with, else its kind's default. A device needs
 * a handful of requests in its life, so its default stays small; a factory line or a batch job
 * needs as many as the CA can sign, so theirs is off unless the operator sets one.
 */
export function callerBudgetOf(principal: Principal, defaults: CallerBudgetDefaults): CallerBudget {
  if (principal.rateLimitPerMinute !== undefined) {
    return { kind: "caller", perMinute: principal.rateLimitPerMinute };
  }
  // An EST credential for one device is that device's; one for a fleet is shared by all its devices.
  const device =
    principal.bootstrap !== undefined || principal.holder !== undefined || principal.deviceId !== undefined;
  return device
    ? { kind: "device", perMinute: defaults.devicePerMinute }
    : { kind: "caller", perMinute: defaults.perMinute };
}

/** Fault injection: added latency, random server errors and a full outage. */

export interface FaultOptions {
  /** Probability (0..1) that an authenticated request fails with `errorStatus`. */
  errorRate?: number;
  /** Status for injected errors: 500 (default) or 503. */
  errorStatus?: 500 | 503;
  /** Delay before every request is handled, in ms. */
  latencyMs?: number;
  /**
   * `true`: every request gets 503 ServiceUnavailable.
   * `"connection-refused"`: the listener is closed (clients get ECONNREFUSED) until the outage ends.
   */
  outage?: boolean | "connection-refused";
}

/** Checks a fault configuration and returns a copy. */
export function validateFaults(faults: FaultOptions | undefined): FaultOptions {
  const copy = { ...faults };
  if (copy.errorRate !== undefined && !(copy.errorRate >= 0 && copy.errorRate <= 1)) {
    throw new RangeError("faults.errorRate must be between 0 and 1");
  }
  if (copy.errorStatus !== undefined && copy.errorStatus !== 500 && copy.errorStatus !== 503) {
    throw new RangeError("faults.errorStatus must be 500 or 503");
  }
  if (copy.latencyMs !== undefined && !(copy.latencyMs >= 0)) {
    throw new RangeError("faults.latencyMs must be non-negative");
  }
  return copy;
}

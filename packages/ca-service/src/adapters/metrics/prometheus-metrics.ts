import { AggregatorRegistry, Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { Profile } from "../../core/profiles.js";
import type { RateLimitBudget, ServiceMetrics } from "../../ports/metrics.js";

/** Request and store latencies: from a cached read (~1 ms) to a signature queued behind 429s (30 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Shown at 0 from the start, so that a rate over them is defined before the first event. */
const ISSUED_PROFILES: readonly Profile[] = [
  "device",
  "est-identity",
  "edge-ca",
  "root-verification",
  "intermediate-verification",
];
const BUDGETS: readonly RateLimitBudget[] = ["caller", "device", "public", "auth-failures"];

/**
 * The service's metrics in the Prometheus text format, through prom-client. Each instance has a
 * registry of its own (never prom-client's global one), so that services in one process (tests)
 * count apart. Node's process metrics (CPU, memory, event-loop lag) come with them.
 */
export class PrometheusMetrics implements ServiceMetrics {
  readonly #registry = new Registry();
  readonly #issuances = new Counter({
    name: "edge_pki_issuances_total",
    help: "Certificates signed, by profile and outcome: issued (committed, then returned) or failed (never committed, never returned)",
    labelNames: ["profile", "outcome"],
    registers: [this.#registry],
  });
  readonly #requests = new Histogram({
    name: "edge_pki_http_request_duration_seconds",
    help: "Time to answer a request, by operation (operationId; unmatched for no route) and status",
    labelNames: ["operation", "status"],
    buckets: LATENCY_BUCKETS,
    registers: [this.#registry],
  });
  readonly #rateLimited = new Counter({
    name: "edge_pki_rate_limited_total",
    help: "Requests refused with 429, by the budget they were over",
    labelNames: ["budget"],
    registers: [this.#registry],
  });
  readonly #storeWrites = new Histogram({
    name: "edge_pki_store_commit_duration_seconds",
    help: "Time of a write transaction of the certificate store, by operation and outcome (committed or failed)",
    labelNames: ["operation", "outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [this.#registry],
  });
  readonly #vaultSigns = new Histogram({
    name: "edge_pki_keyvault_sign_duration_seconds",
    help: "Time of one Key Vault sign call (a retry is another call), by outcome: signed, throttled, transient or rejected",
    labelNames: ["outcome"],
    buckets: LATENCY_BUCKETS,
    registers: [this.#registry],
  });
  readonly #vaultThrottled = new Counter({
    name: "edge_pki_keyvault_throttled_total",
    help: "Key Vault sign calls answered 429 (throttled)",
    registers: [this.#registry],
  });
  readonly #vaultLimit = new Gauge({
    name: "edge_pki_keyvault_sign_concurrency_limit",
    help: "Key Vault sign calls allowed in flight at once, as the adaptive limit stands after the last call",
    registers: [this.#registry],
  });

  /**
   * @param workers In a worker of several (`EDGE_PKI_WORKERS`): how to have the primary gather every
   *   worker's metrics, so that a scrape, whichever worker answers it, sees the whole service; and
   *   this worker's number, which every series of its carries. Each worker's counters are then a
   *   series of their own, as each replica's are: one that restarts after a crash resets its own
   *   series, which Prometheus's rate() and increase() take for the reset it is, instead of a sum
   *   across workers dropping by the dead worker's count. Sum them: `sum(rate(...))`.
   */
  constructor(private readonly workers?: { gather(): Promise<string>; worker: string }) {
    if (workers !== undefined) {
      this.#registry.setDefaultLabels({ worker: workers.worker });
      // prom-client answers the primary's gathering with the registries named here, once an
      // AggregatorRegistry made in this process has set up its listener.
      new AggregatorRegistry();
      AggregatorRegistry.setRegistries([this.#registry]);
    }
    collectDefaultMetrics({ register: this.#registry });
    for (const profile of ISSUED_PROFILES) {
      for (const outcome of ["issued", "failed"]) this.#issuances.inc({ profile, outcome }, 0);
    }
    for (const budget of BUDGETS) this.#rateLimited.inc({ budget }, 0);
  }

  render(): Promise<string> {
    return this.workers?.gather() ?? this.#registry.metrics();
  }

  issuance: ServiceMetrics["issuance"] = ({ profile, outcome }) => {
    this.#issuances.inc({ profile, outcome });
  };

  storeWrite: ServiceMetrics["storeWrite"] = ({ operation, committed, seconds }) => {
    this.#storeWrites.observe({ operation, outcome: committed ? "committed" : "failed" }, seconds);
  };

  vaultSign: ServiceMetrics["vaultSign"] = ({ outcome, seconds, concurrencyLimit }) => {
    this.#vaultSigns.observe({ outcome }, seconds);
    if (outcome === "throttled") this.#vaultThrottled.inc();
    this.#vaultLimit.set(concurrencyLimit);
  };

  request: ServiceMetrics["request"] = ({ operation, status, seconds }) => {
    this.#requests.observe({ operation, status: String(status) }, seconds);
  };

  rateLimited: ServiceMetrics["rateLimited"] = ({ budget }) => {
    this.#rateLimited.inc({ budget });
  };
}

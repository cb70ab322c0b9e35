import { AggregatorRegistry, type PrometheusContentType } from "prom-client";

let aggregator: AggregatorRegistry<PrometheusContentType> | undefined;

/**
 * In the primary of several workers: every worker's metrics, summed (counters, histograms) or kept
 * per worker as prom-client's aggregation rules say, in the Prometheus text format. The workers
 * answer through the cluster's IPC channel; one that does not within prom-client's timeout fails
 * the gathering, and the scrape with it, rather than showing a partial count.
 */
export function gatherWorkerMetrics(): Promise<string> {
  aggregator ??= new AggregatorRegistry();
  return aggregator.clusterMetrics();
}

import type { Operations } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import type { Handlers } from "../handler.js";

/**
 * `GET /metrics`: what the service counted, for a Prometheus scraper holding a reader token. With
 * several workers, one that does not answer fails the scrape (503, like any other outage) rather
 * than have it show a partial count.
 */
export function metricsHandlers(context: ServiceContext): Pick<Handlers<Operations>, "getMetrics"> {
  return {
    getMetrics: async () => {
      try {
        return { body: await context.metrics.render() };
      } catch (cause) {
        throw new CaError("unavailable", "the metrics of every worker could not be gathered; try again", {
          cause,
        });
      }
    },
  };
}

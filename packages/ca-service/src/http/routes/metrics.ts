import type { Operations } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import type { Handlers } from "../handler.js";

/** `GET /metrics`: what the service counted, for a Prometheus scraper holding a reader token. */
export function metricsHandlers(context: ServiceContext): Pick<Handlers<Operations>, "getMetrics"> {
  return {
    getMetrics: async () => ({ body: await context.metrics.render() }),
  };
}

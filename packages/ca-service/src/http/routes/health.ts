import type { Operations } from "@edge-pki/api-contract";
import { checkReadiness } from "../../app/check-readiness.js";
import type { ServiceContext } from "../../app/service-context.js";
import { describeError, type Logger } from "../../logger.js";
import type { Handlers } from "../handler.js";

/**
 * Liveness and readiness. A probe asks every few seconds, so readiness is logged when it changes,
 * not on every answer: a warning when the service stops being ready (or its reason changes), a line
 * when it is ready again. The 503 itself is an answer, not a failure of the service's, and the problem
 * handler does not log it.
 */
export function healthHandlers(
  context: ServiceContext,
  logger: Logger,
): Pick<Handlers<Operations>, "getHealth" | "getReadiness"> {
  /** Why the last probe found the service not ready; undefined while it is ready. */
  let notReadyBecause: string | undefined;
  return {
    getHealth: async () => ({ body: { status: "ok" } }),
    getReadiness: async () => {
      try {
        await checkReadiness(context);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (reason !== notReadyBecause) {
          notReadyBecause = reason;
          logger.warn("not ready", { reason, error: describeError(error) });
        }
        throw error;
      }
      if (notReadyBecause !== undefined) {
        notReadyBecause = undefined;
        logger.info("ready again");
      }
      return { body: { status: "ok", checks: { store: "ok", keyStore: "ok" } } };
    },
  };
}

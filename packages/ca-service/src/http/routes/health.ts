import type { Operations } from "@edge-pki/api-contract";
import { checkReadiness } from "../../app/check-readiness.js";
import type { ServiceContext } from "../../app/service-context.js";
import type { Handlers } from "../handler.js";

export function healthHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "getHealth" | "getReadiness"> {
  return {
    getHealth: async () => ({ body: { status: "ok" } }),
    getReadiness: async () => {
      await checkReadiness(context);
      return { body: { status: "ok", checks: { store: "ok", keyStore: "ok" } } };
    },
  };
}

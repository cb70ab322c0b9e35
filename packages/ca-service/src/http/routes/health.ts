import { Health, Problem } from "@edge-pki/api-contract";
import type { ServiceContext } from "../../app/service-context.js";
import { CaError } from "../../core/errors.js";
import { describeError } from "../../logger.js";
import { type Endpoint, endpoint } from "../endpoint.js";

export function healthEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint({
      method: "get",
      path: "/healthz",
      operationId: "getHealth",
      summary: "The process is alive",
      access: "public",
      rateLimit: "none",
      tags: ["health"],
      responses: { 200: { description: "Alive", schema: Health } },
      handle: async () => ({ status: 200, body: { status: "ok" } }),
    }),
    endpoint({
      method: "get",
      path: "/readyz",
      operationId: "getReadiness",
      summary: "The store and the key store are usable",
      access: "public",
      rateLimit: "none",
      tags: ["health"],
      responses: {
        200: { description: "Ready", schema: Health },
        503: { description: "Not ready", schema: Problem, contentType: "application/problem+json" },
      },
      handle: async () => {
        const checks = { store: context.store.check(), keyStore: context.keyStore.check() };
        const failed: { name: string; error: unknown }[] = [];
        for (const [name, check] of Object.entries(checks)) {
          await check.catch((error: unknown) => failed.push({ name, error }));
        }
        if (failed.length > 0) {
          // A CaError's message is safe to show (e.g. "Key Vault answered 403"); others only in the log.
          const reasons = failed.map(({ name, error }) =>
            error instanceof CaError ? `${name}: ${error.message}` : `${name} unusable`,
          );
          const cause = new AggregateError(
            failed.map(({ error }) => error),
            failed.map(({ name, error }) => `${name}: ${describeError(error)}`).join("; "),
          );
          throw new CaError("unavailable", `not ready: ${reasons.join("; ")}`, { cause });
        }
        return { status: 200, body: { status: "ok", checks: { store: "ok", keyStore: "ok" } } };
      },
    }),
  ];
}

/**
 * The emulator's own control routes, for a dev stack driven from a shell (curl) rather than from a
 * test: `POST /_emulator/faults` takes the JSON of `setFaults`, `GET /_emulator/stats` returns the
 * counters. Emulator-only (Key Vault has nothing like it): answered before latency, outage, the
 * bearer challenge and throttling, and not counted in the stats.
 */
import { badParameter } from "./errors.js";
import type { Route } from "./routing.js";

export const CONTROL_PREFIX = "/_emulator/";

/** What the control routes act on: the emulator's own `setFaults` and `stats`. */
export interface Controllable {
  setFaults(update: Record<string, unknown>): Promise<void>;
  readonly stats: object;
}

export function controlRoutes(emulator: Controllable): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/_emulator\/faults$/,
      handle: async (_params, { body }) => {
        const unknown = Object.keys(body).filter((key) => key !== "throttle" && key !== "faults");
        if (unknown.length > 0) throw badParameter(`Unknown properties: ${unknown.join(", ")}.`);
        const isObject = (value: unknown) =>
          typeof value === "object" && value !== null && !Array.isArray(value);
        if (body.throttle !== undefined && body.throttle !== null && !isObject(body.throttle)) {
          throw badParameter("Property 'throttle' must be an object or null.");
        }
        if (body.faults !== undefined && !isObject(body.faults)) {
          throw badParameter("Property 'faults' must be an object.");
        }
        const faults = body.faults as { outage?: unknown } | undefined;
        if (faults?.outage === "connection-refused") {
          throw badParameter(
            "outage 'connection-refused' would close this control route too; use outage: true (503s), or setFaults in-process.",
          );
        }
        try {
          await emulator.setFaults(body);
        } catch (error) {
          throw badParameter(error instanceof Error ? error.message : String(error));
        }
        return { status: 200, body: { applied: body } };
      },
    },
    {
      method: "GET",
      pattern: /^\/_emulator\/stats$/,
      handle: () => ({ status: 200, body: emulator.stats }),
    },
  ];
}

/** Command-line parsing for `edge-pki-emulators`, kept apart from `cli.ts` so it can be tested in-process. */
import { parseArgs } from "node:util";
import type { FaultOptions } from "./key-vault/faults.js";
import type { KeyVaultEmulatorOptions } from "./key-vault/server.js";

export const USAGE = `Usage: edge-pki-emulators [options]
  --host <address>            interface to listen on (default 127.0.0.1)
  --port <port>               port (default 8444; 0 picks a free one)
  --cert-out <path>           write the TLS certificate (PEM) here, e.g. for NODE_EXTRA_CA_CERTS
  --http                      plain http instead of https (the Azure SDK requires https for its challenge)
  --tenant <id>               tenant id named in the 401 challenge
  --ops-per-10s <n>           throttle to n requests per window (429 with Retry-After)
  --throttle-window-ms <ms>   the throttle's window (default 10000, Key Vault's 10 s)
  --error-rate <0..1>         share of authenticated requests answered with --error-status
  --error-status <status>     500 (default), 503, or 403 (a missing role assignment)
  --latency-ms <ms>           delay before every request is handled
  --outage                    answer every request 503 until changed (POST /_emulator/faults)
  --help                      show this help

Emulator-only control routes (no auth): POST /_emulator/faults with the JSON of setFaults,
e.g. {"faults":{"outage":true}} or {"throttle":{"operationsPer10Seconds":5},"faults":{}};
GET /_emulator/stats.`;

export type CliCommand = { help: true } | { help: false; options: KeyVaultEmulatorOptions };

/**
 * Turns `argv` (without node and script) into emulator options; throws on invalid input. A leading
 * `--` is dropped: `pnpm emulators -- --port 8444` passes it through.
 */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  const { values } = parseArgs({
    args: argv[0] === "--" ? argv.slice(1) : [...argv],
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8444" },
      "cert-out": { type: "string" },
      http: { type: "boolean", default: false },
      tenant: { type: "string" },
      "ops-per-10s": { type: "string" },
      "throttle-window-ms": { type: "string" },
      "error-rate": { type: "string" },
      "error-status": { type: "string" },
      "latency-ms": { type: "string" },
      outage: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  const number = (flag: keyof typeof values, valid: (n: number) => boolean): number | undefined => {
    const raw = values[flag];
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    if (typeof raw !== "string" || raw.trim() === "" || !valid(parsed))
      throw new Error(`Invalid --${flag}: ${raw}`);
    return parsed;
  };
  const port = number("port", (n) => Number.isInteger(n) && n >= 0 && n <= 65_535) as number;
  const ops = number("ops-per-10s", (n) => Number.isInteger(n) && n > 0);
  const windowMs = number("throttle-window-ms", (n) => n > 0);
  if (windowMs !== undefined && ops === undefined)
    throw new Error("--throttle-window-ms needs --ops-per-10s");
  const faults: FaultOptions = {
    ...optional(
      "errorRate",
      number("error-rate", (n) => n >= 0 && n <= 1),
    ),
    ...optional(
      "errorStatus",
      number("error-status", (n) => [403, 500, 503].includes(n)) as FaultOptions["errorStatus"],
    ),
    ...optional(
      "latencyMs",
      number("latency-ms", (n) => n >= 0),
    ),
    ...(values.outage ? { outage: true } : {}),
  };
  return {
    help: false,
    options: {
      host: values.host,
      port,
      protocol: values.http ? "http" : "https",
      ...optional("certificatePath", values["cert-out"]),
      ...optional("tenantId", values.tenant),
      ...(ops === undefined
        ? {}
        : { throttle: { operationsPer10Seconds: ops, ...optional("windowMs", windowMs) } }),
      ...(Object.keys(faults).length === 0 ? {} : { faults }),
    },
  };
}

/** `{ [key]: value }` when the value is set, `{}` otherwise (options never carry `undefined`). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

/** Command-line flags of `edge-pki-emulators`, kept apart from `cli.ts` so they can be tested in-process. */
import { createProgram, type HostCommand, isHelpDisplayed, UsageError } from "@edge-pki/host-kit/cli";
import type { FaultOptions } from "./key-vault/faults.js";
import type { KeyVaultEmulatorOptions } from "./key-vault/server.js";
import { TRANSACTION_TYPES, type TransactionType } from "./key-vault/throttle.js";

/** The flags as commander parses them: every value a string, checked by `emulatorOptions`. */
export interface EmulatorFlags {
  host: string;
  port: string;
  certOut?: string;
  http?: true;
  tenant?: string;
  opsPer10s?: string;
  createOpsPer10s?: string;
  keyOpsPer10s?: string;
  vaultOpsPer10s?: string;
  throttleWindowMs?: string;
  retryAfter?: boolean;
  errorRate?: string;
  errorStatus?: string;
  latencyMs?: string;
  throttleFirstAttempts?: string;
  outage?: true;
}

/** The `edge-pki-emulators` program with its flags, without an action. */
export function emulatorProgram(): HostCommand {
  return createProgram("edge-pki-emulators")
    .description("Runs the Key Vault emulator as a local dev service until SIGINT/SIGTERM.")
    .option("--host <address>", "interface to listen on", "127.0.0.1")
    .option("--port <port>", "port; 0 picks a free one", "8444")
    .option("--cert-out <path>", "write the TLS certificate (PEM) here, e.g. for NODE_EXTRA_CA_CERTS")
    .option("--http", "plain http instead of https (the Azure SDK requires https for its challenge)")
    .option("--tenant <id>", "tenant id named in the 401 challenge")
    .option("--ops-per-10s <n>", "throttle every transaction type to n requests per window (429)")
    .option("--create-ops-per-10s <n>", "throttle key and certificate creation to n per window")
    .option("--key-ops-per-10s <n>", "throttle the other key operations (get, sign) to n per window")
    .option("--vault-ops-per-10s <n>", "throttle certificate reads, pending operations and merges")
    .option("--throttle-window-ms <ms>", "the throttle's window (default 10000, Key Vault's 10 s)")
    .option("--no-retry-after", "answer 429 without Retry-After, as a real vault may")
    .option("--error-rate <0..1>", "share of authenticated requests answered with --error-status")
    .option("--error-status <status>", "500 (default), 503, or 403 (a missing role assignment)")
    .option("--latency-ms <ms>", "delay before every request is handled")
    .option(
      "--throttle-first-attempts <types>",
      "429 without Retry-After to the first attempt of every operation of these types (comma-separated)",
    )
    .option("--outage", "answer every request 503 until changed (POST /_emulator/faults)")
    .addHelpText(
      "after",
      `
Emulator-only control routes (no auth): POST /_emulator/faults with the JSON of setFaults,
e.g. {"faults":{"outage":true}} or {"throttle":{"limits":{"createKey":10},"retryAfter":false}};
GET /_emulator/stats.`,
    );
}

/** `pnpm emulators -- --port 8444` passes the `--` on: drop it. */
export function withoutLeadingSeparator(argv: readonly string[]): string[] {
  return argv[0] === "--" ? argv.slice(1) : [...argv];
}

export type CliCommand = { help: true } | { help: false; options: KeyVaultEmulatorOptions };

/**
 * Turns `argv` (without node and script) into emulator options; throws a `UsageError` on invalid
 * input. `--help` returns `{ help: true }` and prints nothing.
 */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  const program = emulatorProgram().configureOutput({ writeOut: () => {} });
  try {
    program.parse(withoutLeadingSeparator(argv), { from: "user" });
  } catch (error) {
    if (isHelpDisplayed(error)) return { help: true };
    throw error;
  }
  return { help: false, options: emulatorOptions(program.opts<EmulatorFlags>()) };
}

/** Checks the flags and turns them into emulator options. */
export function emulatorOptions(flags: EmulatorFlags): KeyVaultEmulatorOptions {
  const number = (
    flag: string,
    raw: string | undefined,
    valid: (n: number) => boolean,
  ): number | undefined => {
    if (raw === undefined) return undefined;
    const parsed = Number(raw);
    if (raw.trim() === "" || !valid(parsed)) throw new UsageError(`Invalid --${flag}: ${raw}`);
    return parsed;
  };
  const port = number("port", flags.port, (n) => Number.isInteger(n) && n >= 0 && n <= 65_535) as number;
  const count = (flag: string, raw: string | undefined) =>
    number(flag, raw, (n) => Number.isInteger(n) && n > 0);
  const ops = count("ops-per-10s", flags.opsPer10s);
  const limits = {
    ...optional("createKey", count("create-ops-per-10s", flags.createOpsPer10s)),
    ...optional("keyOperation", count("key-ops-per-10s", flags.keyOpsPer10s)),
    ...optional("vault", count("vault-ops-per-10s", flags.vaultOpsPer10s)),
  };
  const throttled = ops !== undefined || Object.keys(limits).length > 0;
  const windowMs = number("throttle-window-ms", flags.throttleWindowMs, (n) => n > 0);
  if ((windowMs !== undefined || flags.retryAfter === false) && !throttled)
    throw new UsageError("--throttle-window-ms and --no-retry-after need a --*ops-per-10s limit");
  const faults: FaultOptions = {
    ...optional(
      "errorRate",
      number("error-rate", flags.errorRate, (n) => n >= 0 && n <= 1),
    ),
    ...optional(
      "errorStatus",
      number("error-status", flags.errorStatus, (n) =>
        [403, 500, 503].includes(n),
      ) as FaultOptions["errorStatus"],
    ),
    ...optional(
      "latencyMs",
      number("latency-ms", flags.latencyMs, (n) => n >= 0),
    ),
    ...optional("throttleFirstAttempts", transactionTypes(flags.throttleFirstAttempts)),
    ...(flags.outage ? { outage: true } : {}),
  };
  return {
    host: flags.host,
    port,
    protocol: flags.http ? "http" : "https",
    ...optional("certificatePath", flags.certOut),
    ...optional("tenantId", flags.tenant),
    ...(throttled
      ? {
          throttle: {
            ...optional("operationsPer10Seconds", ops),
            ...(Object.keys(limits).length > 0 ? { limits } : {}),
            ...optional("windowMs", windowMs),
            ...(flags.retryAfter === false ? { retryAfter: false } : {}),
          },
        }
      : {}),
    ...(Object.keys(faults).length === 0 ? {} : { faults }),
  };
}

/** `createKey,vault` as transaction types; a UsageError names what is not one. */
function transactionTypes(raw: string | undefined): TransactionType[] | undefined {
  if (raw === undefined) return undefined;
  const types = raw.split(",").map((type) => type.trim());
  const unknown = types.filter((type) => !(TRANSACTION_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) {
    throw new UsageError(
      `Invalid --throttle-first-attempts: ${raw} (types: ${TRANSACTION_TYPES.join(", ")})`,
    );
  }
  return types as TransactionType[];
}

/** `{ [key]: value }` when the value is set, `{}` otherwise (options never carry `undefined`). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]?: V });
}

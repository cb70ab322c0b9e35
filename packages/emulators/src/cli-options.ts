/** Command-line parsing for `edge-pki-emulators`, kept apart from `cli.ts` so it can be tested in-process. */
import { parseArgs } from "node:util";
import type { KeyVaultEmulatorOptions } from "./key-vault/server.js";

export const USAGE = `Usage: edge-pki-emulators [options]
  --host <address>     interface to listen on (default 127.0.0.1)
  --port <port>        port (default 8444; 0 picks a free one)
  --cert-out <path>    write the TLS certificate (PEM) here, e.g. for NODE_EXTRA_CA_CERTS
  --http               plain http instead of https (the Azure SDK requires https for its challenge)
  --tenant <id>        tenant id named in the 401 challenge
  --ops-per-10s <n>    throttle to n requests per 10 seconds (429 with Retry-After)
  --help               show this help`;

export type CliCommand = { help: true } | { help: false; options: KeyVaultEmulatorOptions };

/** Turns `argv` (without node and script) into emulator options; throws on invalid input. */
export function parseCliArguments(argv: readonly string[]): CliCommand {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: "string", default: "127.0.0.1" },
      port: { type: "string", default: "8444" },
      "cert-out": { type: "string" },
      http: { type: "boolean", default: false },
      tenant: { type: "string" },
      "ops-per-10s": { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return { help: true };
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`Invalid --port: ${values.port}`);
  const rawOps = values["ops-per-10s"];
  const ops = rawOps === undefined ? undefined : Number(rawOps);
  if (ops !== undefined && !(Number.isInteger(ops) && ops > 0))
    throw new Error(`Invalid --ops-per-10s: ${rawOps}`);
  return {
    help: false,
    options: {
      host: values.host,
      port,
      protocol: values.http ? "http" : "https",
      ...(values["cert-out"] === undefined ? {} : { certificatePath: values["cert-out"] }),
      ...(values.tenant === undefined ? {} : { tenantId: values.tenant }),
      ...(ops === undefined ? {} : { throttle: { operationsPer10Seconds: ops } }),
    },
  };
}

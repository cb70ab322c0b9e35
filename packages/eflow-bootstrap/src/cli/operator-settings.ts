import { readFileSync } from "node:fs";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { EdgePkiClient } from "@edge-pki/client-sdk";
import { caUrlSetting, type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import type { DpsConnection } from "../dps/dps-connection.js";
import { readSecretFile, secretFrom } from "./secrets.js";

/** Flags that say how to reach DPS's service API. */
export interface DpsFlags {
  connectionStringFile?: string;
  dpsHost?: string;
  dpsEndpoint?: string;
  dpsCaFile?: string;
}

export function addDpsFlags(command: HostCommand): HostCommand {
  return command
    .option(
      "--connection-string-file <file>",
      "a DPS connection string with enrollment write rights (default: DPS_CONNECTION_STRING)",
    )
    .option("--dps-host <name>", "or: the DPS host name, with Microsoft Entra ID (DefaultAzureCredential)")
    .option("--dps-endpoint <url>", "reach the service API at another address (an emulator)")
    .option("--dps-ca-file <file>", "trust this CA (PEM) for --dps-endpoint");
}

export async function dpsConnection(flags: DpsFlags, env: NodeJS.ProcessEnv): Promise<DpsConnection> {
  if (flags.connectionStringFile !== undefined && flags.dpsHost !== undefined) {
    throw new UsageError("give --connection-string-file or --dps-host (Entra ID), not both");
  }
  // A flag wins over the environment (docs/cli.md): --dps-host even where DPS_CONNECTION_STRING is set.
  const connectionString =
    flags.dpsHost === undefined
      ? secretFrom(flags.connectionStringFile, "DPS_CONNECTION_STRING", env, "the DPS connection string")
      : undefined;
  const authentication =
    connectionString !== undefined
      ? ({ kind: "connection-string", connectionString } as const)
      : flags.dpsHost !== undefined
        ? ({
            kind: "token-credential",
            hostName: flags.dpsHost,
            credential: await defaultAzureCredential(),
          } as const)
        : undefined;
  if (authentication === undefined) {
    throw new UsageError("DPS needs --connection-string-file (or DPS_CONNECTION_STRING) or --dps-host");
  }
  return {
    authentication,
    endpoint: flags.dpsEndpoint,
    caPem: flags.dpsCaFile === undefined ? undefined : readFileSync(flags.dpsCaFile, "utf8"),
  };
}

/** Flags of our CA, for the operator's commands (the `edge-pki` command's settings). */
export interface CaFlags {
  caUrl?: string;
  caTokenFile?: string;
}

export function addCaFlags(command: HostCommand): HostCommand {
  return command
    .option("--ca-url <url>", "the Edge PKI CA (default: EDGE_PKI_URL)")
    .option("--ca-token-file <file>", "an admin API token (default: EDGE_PKI_TOKEN_FILE or EDGE_PKI_TOKEN)");
}

/** An admin client of the CA, or undefined when no CA is named (and none is `required`). */
export function caClient(
  flags: CaFlags,
  env: NodeJS.ProcessEnv,
  required: boolean,
): EdgePkiClient | undefined {
  const given = flags.caUrl ?? env.EDGE_PKI_URL?.trim();
  if (given === undefined || given === "") {
    if (required) throw new UsageError("the CA is needed: --ca-url or EDGE_PKI_URL");
    return undefined;
  }
  const url = caUrlSetting(given, flags.caUrl === undefined ? "EDGE_PKI_URL" : "--ca-url");
  const token =
    secretFrom(flags.caTokenFile ?? env.EDGE_PKI_TOKEN_FILE, "EDGE_PKI_TOKEN", env, "the CA's API token") ??
    (() => {
      throw new UsageError(
        "the CA needs an admin token: --ca-token-file, EDGE_PKI_TOKEN_FILE or EDGE_PKI_TOKEN",
      );
    })();
  return new EdgePkiClient({ baseUrl: url, credential: token, userAgent: "eflow-bootstrap" });
}

/** ARM's credential: a token from a file (`az account get-access-token`), else DefaultAzureCredential. */
export async function armCredential(tokenFile: string | undefined): Promise<TokenCredential> {
  if (tokenFile === undefined) return defaultAzureCredential();
  const token = readSecretFile(tokenFile, "the ARM access token");
  return {
    getToken: async (): Promise<AccessToken> => ({ token, expiresOnTimestamp: Date.now() + 5 * 60_000 }),
  };
}

/** `@azure/identity` loads only when Entra ID is used. */
async function defaultAzureCredential(): Promise<TokenCredential> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  return new DefaultAzureCredential();
}

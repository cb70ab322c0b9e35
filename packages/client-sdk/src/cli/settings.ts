import { readFileSync } from "node:fs";
import { caUrlSetting, type HostCommand, UsageError } from "@edge-pki/host-kit/cli";
import { EdgePkiClient } from "../client.js";

/** The program-wide flags, which every command takes. */
export interface GlobalFlags {
  url?: string;
  tokenFile?: string;
  json?: boolean;
  timeout: string;
  maxRetries: string;
}

/** What a command works with: a client, and whether to print JSON. */
export interface Session {
  client: EdgePkiClient;
  json: boolean;
  /** The token in use, so that error messages can be masked. */
  token: string | undefined;
}

/** Adds `--url`, `--token-file`, `--json`, `--timeout` and `--max-retries` to the program. */
export function addGlobalFlags(program: HostCommand): void {
  program
    .option("--url <url>", "the CA's URL (default: EDGE_PKI_URL)")
    .option(
      "--token-file <file>",
      "a file holding the API token (default: EDGE_PKI_TOKEN_FILE, or the token itself in EDGE_PKI_TOKEN)",
    )
    .option("--json", "print results as JSON, for scripts")
    .option("--timeout <seconds>", "how long each request may take", "30")
    .option("--max-retries <n>", "retries of a request after network errors, 429 and 503", "2");
}

/**
 * The session of a command, from its flags and the environment. A flag wins over the environment;
 * the token comes from `--token-file`, `EDGE_PKI_TOKEN_FILE` or `EDGE_PKI_TOKEN` (one of the two
 * variables, not both), and a file's trailing newline is dropped. `needsToken: false` for commands
 * that call only public operations.
 */
export function openSession(
  command: HostCommand,
  env: NodeJS.ProcessEnv,
  { needsToken = true }: { needsToken?: boolean } = {},
): Session {
  const flags = command.optsWithGlobals<GlobalFlags>();
  const given = flags.url ?? nonEmpty(env.EDGE_PKI_URL);
  if (given === undefined) throw new UsageError("the CA's URL is needed: --url or EDGE_PKI_URL");
  const url = caUrlSetting(given, flags.url === undefined ? "EDGE_PKI_URL" : "--url");
  const token = needsToken ? readToken(flags.tokenFile, env) : undefined;
  const timeoutMs = wholeNumber("--timeout", flags.timeout, 1, 3600) * 1000;
  const maxRetries = wholeNumber("--max-retries", flags.maxRetries, 0, 100);
  return {
    client: new EdgePkiClient({
      baseUrl: url,
      credential: token,
      timeoutMs,
      maxRetries,
      userAgent: "edge-pki-cli",
    }),
    json: flags.json === true,
    token,
  };
}

function readToken(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  const file = flag ?? nonEmpty(env.EDGE_PKI_TOKEN_FILE);
  const inline = nonEmpty(env.EDGE_PKI_TOKEN);
  if (flag === undefined && file !== undefined && inline !== undefined) {
    throw new UsageError("EDGE_PKI_TOKEN and EDGE_PKI_TOKEN_FILE are both set: keep one");
  }
  if (file === undefined) {
    if (inline === undefined) {
      throw new UsageError("an API token is needed: --token-file, EDGE_PKI_TOKEN_FILE or EDGE_PKI_TOKEN");
    }
    return inline.trim();
  }
  let token: string;
  try {
    token = readFileSync(file, "utf8").replace(/\r?\n$/, "");
  } catch (error) {
    throw new Error(`cannot read the token file ${file}: ${(error as Error).message}`);
  }
  if (token.trim() === "") throw new Error(`the token file ${file} is empty`);
  return token.trim();
}

/** A whole number flag within bounds, or a usage error naming the flag. */
export function wholeNumber(flag: string, value: string, min: number, max: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(
      `${flag} must be a whole number from ${min} to ${max}, not ${JSON.stringify(value)}`,
    );
  }
  return Number(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value;
}

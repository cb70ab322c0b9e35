import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { z } from "zod";
import { parseBootstrapCaBundle } from "../core/bootstrap-certificate.js";
import type { EdgeCaPolicy } from "../core/est-enrollment.js";
import { integerSetting } from "./setting-types.js";

const list = (value: string | undefined) =>
  (value ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

/** EST (RFC 7030) for IoT Edge: off unless EDGE_PKI_EST_PORT is set. */
export const EstSettings = z.object({
  EDGE_PKI_EST_PORT: integerSetting(0, 65_535, -1).optional(),
  /** DNS names and IP addresses of the EST server certificate our CA issues when no TLS files are set. */
  EDGE_PKI_EST_SERVER_NAMES: z.string().optional(),
  /** PEM bundle of manufacturer CAs whose certificates bootstrap an EST identity. */
  EDGE_PKI_EST_BOOTSTRAP_CA_FILE: z.string().min(1).optional(),
  /** Which devices may get an Edge CA: off (default), all, or a comma-separated list of device-ID prefixes. */
  EDGE_PKI_EST_EDGE_CA: z.string().default("off"),
});

export interface EstConfig {
  port: number;
  serverNames: { dnsNames: string[]; ipAddresses: string[] };
  bootstrapCaFile: string | undefined;
  edgeCa: EdgeCaPolicy;
}

export function estConfigOf(settings: z.infer<typeof EstSettings>): EstConfig | undefined {
  const port = settings.EDGE_PKI_EST_PORT;
  if (port === undefined || port < 0) return undefined;
  const names = list(settings.EDGE_PKI_EST_SERVER_NAMES || "localhost,127.0.0.1");
  const edgeCa = settings.EDGE_PKI_EST_EDGE_CA.trim();
  return {
    port,
    serverNames: {
      dnsNames: names.filter((name) => isIP(name) === 0),
      ipAddresses: names.filter((name) => isIP(name) !== 0),
    },
    bootstrapCaFile: settings.EDGE_PKI_EST_BOOTSTRAP_CA_FILE,
    edgeCa:
      edgeCa === "off" || edgeCa === ""
        ? { kind: "off" }
        : edgeCa === "all"
          ? { kind: "all" }
          : { kind: "prefixes", prefixes: list(edgeCa) },
  };
}

/** The bootstrap bundle is read and checked now, so a wrong file fails at start, naming the setting. */
export function estProblems(env: Record<string, string | undefined>): string[] {
  const path = env.EDGE_PKI_EST_BOOTSTRAP_CA_FILE;
  if (path === undefined || path === "") return [];
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
    return [`EDGE_PKI_EST_BOOTSTRAP_CA_FILE=${JSON.stringify(path)}: cannot read the file (${code})`];
  }
  try {
    parseBootstrapCaBundle(text);
    return [];
  } catch (error) {
    return [`EDGE_PKI_EST_BOOTSTRAP_CA_FILE=${JSON.stringify(path)}: ${(error as Error).message}`];
  }
}

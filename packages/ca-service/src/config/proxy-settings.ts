import { isIP } from "node:net";
import { z } from "zod";

/** An address (`10.0.0.5`, `fd00::5`) or a network (`10.0.0.0/24`, `fd00::/64`). */
function isAddressOrNetwork(entry: string): boolean {
  const [address = "", prefix, extra] = entry.split("/");
  const version = isIP(address);
  if (version === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^(0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

/** Comma-separated; empty by default (no proxy is trusted). */
export const TrustedProxiesSetting = z
  .string()
  .transform((value) =>
    value
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ""),
  )
  .pipe(
    z.array(
      z.string().refine(isAddressOrNetwork, {
        message: "each entry must be an IP address or a network in CIDR form (10.0.0.0/24)",
      }),
    ),
  )
  .default([]);

/** An HTTP header name (RFC 9110 token), compared in lower case as Node presents headers. */
export const ClientCertificateHeaderSetting = z
  .string()
  .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, { message: "must be an HTTP header name" })
  .transform((name) => name.toLowerCase())
  .optional();

export const TlsClientCertificatesSetting = z.enum(["off", "request"]).default("off");

interface ProxyEnv {
  EDGE_PKI_TLS_CERT?: string | undefined;
  EDGE_PKI_TLS_CLIENT_CERTIFICATES?: string | undefined;
  EDGE_PKI_TRUSTED_PROXIES?: string | undefined;
  EDGE_PKI_CLIENT_CERT_HEADER?: string | undefined;
}

/**
 * Client certificates reach the service in a TLS handshake of its own, or forwarded by a proxy it
 * trusts: asking for them needs HTTPS, and believing a header needs a proxy to believe.
 */
export function clientCertificateProblems(env: ProxyEnv): string[] {
  const problems: string[] = [];
  if (env.EDGE_PKI_TLS_CLIENT_CERTIFICATES === "request" && env.EDGE_PKI_TLS_CERT === undefined) {
    problems.push(
      "EDGE_PKI_TLS_CLIENT_CERTIFICATES=request needs HTTPS: set EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY",
    );
  }
  // A list that is set but wrong is reported by its own check.
  const noProxies = (env.EDGE_PKI_TRUSTED_PROXIES ?? "").replaceAll(",", "").trim() === "";
  if (env.EDGE_PKI_CLIENT_CERT_HEADER !== undefined && noProxies) {
    problems.push(
      "EDGE_PKI_CLIENT_CERT_HEADER needs EDGE_PKI_TRUSTED_PROXIES: only a trusted proxy may forward a client certificate",
    );
  }
  return problems;
}

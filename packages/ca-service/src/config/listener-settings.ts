import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { createSecureContext } from "node:tls";
import { z } from "zod";

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export const HostSetting = z
  .string()
  .refine((host) => isIP(host) !== 0 || HOSTNAME.test(host), {
    message: "must be an IP address or a host name",
  })
  .default("127.0.0.1");

export const AllowPlainHttpSetting = z.stringbool().default(false);

interface ListenerEnv {
  EDGE_PKI_HOST?: string | undefined;
  EDGE_PKI_TLS_CERT?: string | undefined;
  EDGE_PKI_TLS_KEY?: string | undefined;
  EDGE_PKI_ALLOW_PLAIN_HTTP?: string | undefined;
}

/**
 * Where and how the API listens. Bearer tokens and the private keys of /v1/credentials must not
 * cross a network in clear text, so plain HTTP is for loopback, or behind a TLS-terminating proxy
 * when the operator says so.
 */
export function listenerProblems(env: ListenerEnv, allowPlainHttp: boolean): string[] {
  const { EDGE_PKI_TLS_CERT: cert, EDGE_PKI_TLS_KEY: key } = env;
  if ((cert === undefined) !== (key === undefined)) {
    const missing = cert === undefined ? "EDGE_PKI_TLS_CERT" : "EDGE_PKI_TLS_KEY";
    return [`${missing} is required: EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY must be set together`];
  }
  if (cert !== undefined && key !== undefined) return tlsFileProblems(cert, key);
  const host = HostSetting.safeParse(env.EDGE_PKI_HOST);
  // An invalid host is reported by its own setting's check.
  if (host.success && !LOOPBACK.test(host.data) && !allowPlainHttp) {
    return [
      `EDGE_PKI_HOST=${JSON.stringify(host.data)}: a non-loopback address is served only over HTTPS (set EDGE_PKI_TLS_CERT and EDGE_PKI_TLS_KEY), or behind a TLS-terminating proxy with EDGE_PKI_ALLOW_PLAIN_HTTP=true`,
    ];
  }
  return [];
}

/** Reads the TLS files now, so a typo or a key that does not match fails at start, naming the setting. */
function tlsFileProblems(certPath: string, keyPath: string): string[] {
  const problems: string[] = [];
  const read = (setting: string, path: string): Buffer | undefined => {
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
      problems.push(`${setting}=${JSON.stringify(path)}: cannot read the file (${code})`);
      return undefined;
    }
  };
  const cert = read("EDGE_PKI_TLS_CERT", certPath);
  const key = read("EDGE_PKI_TLS_KEY", keyPath);
  if (cert && key) {
    try {
      createSecureContext({ cert, key });
    } catch (error) {
      const reason = (error as Error).message.replace(/^error:[0-9A-F]+:[^:]*:+/i, "");
      problems.push(
        `EDGE_PKI_TLS_KEY=${JSON.stringify(keyPath)}: not a usable PEM key for EDGE_PKI_TLS_CERT (${reason})`,
      );
    }
  }
  return problems;
}

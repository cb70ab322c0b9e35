import { BlockList, isIP, isIPv4 } from "node:net";
import type { Request } from "express";

/**
 * The TLS-terminating proxies in front of the service (EDGE_PKI_TRUSTED_PROXIES): only a request
 * whose TCP peer is one of them may say, in a header, who the client is (`X-Forwarded-For`) or which
 * certificate it presented. Nobody else is believed.
 */
export interface TrustedProxies {
  includes(address: string): boolean;
}

/** From addresses (`10.0.0.5`, `fd00::5`) and networks (`10.0.0.0/24`), already validated by config. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv4(address) ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return {
    includes: (address) => {
      const plain = unmapped(address);
      const version = isIP(plain);
      return version !== 0 && entries.length > 0 && list.check(plain, version === 4 ? "ipv4" : "ipv6");
    },
  };
}

/** Whether the request's TCP peer is a trusted proxy. */
export function isFromTrustedProxy(request: Request, proxies: TrustedProxies): boolean {
  const peer = request.socket.remoteAddress;
  return peer !== undefined && proxies.includes(peer);
}

/**
 * The client's address: the TCP peer's, or, when that is a trusted proxy, the nearest address in
 * `X-Forwarded-For` that is not itself a trusted proxy (read from the right: entries further left
 * were written by whoever the proxies received the request from, and could be made up).
 */
export function clientAddressOf(request: Request, proxies: TrustedProxies): string {
  const peer = request.socket.remoteAddress;
  if (peer === undefined) return "unknown";
  if (!proxies.includes(peer)) return unmapped(peer);
  const header = request.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((hop) => hop.trim())
    .filter((hop) => hop !== "");
  let client = unmapped(peer);
  for (const hop of hops.reverse()) {
    const address = addressOfHop(hop);
    // Something that is not an address: believe nothing further left.
    if (address === undefined) break;
    client = address;
    if (!proxies.includes(address)) break;
  }
  return client;
}

/**
 * A hop's address. Most proxies write a bare address; Azure Application Gateway writes the client's
 * port too (`203.0.113.7:50123`, `[2001:db8::7]:50123`), and that port is no part of who the client is.
 */
function addressOfHop(hop: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(hop);
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(hop);
  const address = unmapped(bracketed?.[1] ?? withPort?.[1] ?? hop);
  return isIP(address) === 0 ? undefined : address;
}

/** An IPv4 client may show as `::ffff:a.b.c.d` on a dual-stack socket. */
function unmapped(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

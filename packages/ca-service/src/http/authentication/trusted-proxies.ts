import { BlockList, isIPv4 } from "node:net";
import type { Request } from "express";

/** The TLS-terminating proxies in front of the service (EDGE_PKI_TRUSTED_PROXIES). */
export type TrustedProxies = BlockList;

/** From addresses (`10.0.0.5`, `fd00::5`) and networks (`10.0.0.0/24`), already validated by config. */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = "", prefix] = entry.split("/");
    const type = isIPv4(address) ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

/** Whether the request's TCP peer is one of them; an IPv4 peer may show as `::ffff:a.b.c.d`. */
export function isFromTrustedProxy(request: Request, proxies: TrustedProxies): boolean {
  const address = request.socket.remoteAddress;
  if (address === undefined) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return proxies.check(mapped, "ipv4");
  return proxies.check(address, isIPv4(address) ? "ipv4" : "ipv6");
}

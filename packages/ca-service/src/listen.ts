import type { AddressInfo, Server } from "node:net";

/** What an operator reads for the listen errors a setting can cause. */
const LISTEN_FAILURES: Record<string, string> = {
  EADDRINUSE: "the address is already in use",
  EACCES: "permission denied (ports below 1024 need privileges)",
  EADDRNOTAVAIL: "this machine has no such address",
};

/**
 * Listens on `host`:`port` and resolves with where it listens, as a URL's authority (`host:port`,
 * an IPv6 host in brackets; the port the system chose for 0). A failure the settings caused (a port
 * taken, a privileged port, an address this machine does not have) is one line naming them:
 * `settings` says which.
 */
export function listenOn(server: Server, host: string, port: number, settings: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const failed = (error: NodeJS.ErrnoException) => {
      const why = error.code === undefined ? undefined : LISTEN_FAILURES[error.code];
      if (why === undefined) return reject(error);
      reject(new Error(`cannot listen on ${authority(host, port)} (${settings}): ${why}`, { cause: error }));
    };
    server.once("error", failed);
    server.listen(port, host, () => {
      server.off("error", failed);
      resolve(authority(host, (server.address() as AddressInfo).port));
    });
  });
}

function authority(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

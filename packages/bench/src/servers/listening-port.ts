import { readdir, readFile, readlink } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * The TCP port a process listens on over IPv4, read from /proc: for a server told to listen on
 * port 0 that does not print the port it got (`cfssl serve` prints ":0"). Polls until the socket
 * is there or `timeoutMs` has passed.
 */
export async function listeningPortOf(pid: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const port = await findListeningPort(pid);
    if (port !== undefined) return port;
    await sleep(50);
  }
  throw new Error(`process ${pid} was not listening on a TCP port after ${timeoutMs} ms`);
}

async function findListeningPort(pid: number): Promise<number | undefined> {
  const sockets = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode !== undefined) sockets.add(inode);
  }
  const table = await readFile(`/proc/${pid}/net/tcp`, "utf8").catch(() => "");
  for (const line of table.split("\n").slice(1)) {
    // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
    const fields = line.trim().split(/\s+/);
    const [local, state, inode] = [fields[1], fields[3], fields[9]];
    if (state === "0A" && inode !== undefined && sockets.has(inode) && local !== undefined) {
      return Number.parseInt(local.split(":")[1] ?? "", 16);
    }
  }
  return undefined;
}

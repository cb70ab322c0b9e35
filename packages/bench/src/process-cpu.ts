import { execFileSync } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";

/**
 * CPU seconds (user + system) used so far by a process and every process below it, read from
 * /proc: a service that forks workers (cluster) is measured whole, and threads are inside their
 * process's count already. Null where there is no /proc (not Linux).
 */
export async function cpuSecondsOfTree(pid: number): Promise<number | null> {
  const ticks = clockTicksPerSecond();
  if (ticks === null) return null;
  let total = 0;
  for (const member of await processTree(pid)) {
    const stat = await readFile(`/proc/${member}/stat`, "utf8").catch(() => undefined);
    // Fields after the command (which is in parentheses and may hold spaces): utime is the 14th
    // field of the line, stime the 15th; here counted from the closing parenthesis.
    const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields === undefined) continue;
    total += Number(fields[11]) + Number(fields[12]);
  }
  return total / ticks;
}

async function processTree(pid: number): Promise<number[]> {
  const tree = [pid];
  for (let index = 0; index < tree.length; index++) {
    const threads = await readdir(`/proc/${tree[index]}/task`).catch(() => []);
    for (const thread of threads) {
      const children = await readFile(`/proc/${tree[index]}/task/${thread}/children`, "utf8").catch(() => "");
      for (const child of children.split(" ").filter(Boolean)) tree.push(Number(child));
    }
  }
  return tree;
}

let ticksPerSecond: number | null | undefined;

/** USER_HZ, as `getconf CLK_TCK` tells it (100 on every Linux we know, but read, not assumed). */
function clockTicksPerSecond(): number | null {
  if (ticksPerSecond !== undefined) return ticksPerSecond;
  try {
    ticksPerSecond =
      process.platform === "linux"
        ? Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }))
        : null;
  } catch {
    ticksPerSecond = null;
  }
  return ticksPerSecond;
}

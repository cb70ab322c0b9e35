import { setTimeout as sleep } from "node:timers/promises";
import type { AuditEntry } from "@edge-pki/api-contract";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { openSession, wholeNumber } from "../settings.js";

/** `audit [--follow]`: the audit log, oldest first, one entry a line (JSON lines with --json). */
export function addAuditCommand(program: HostCommand, env: NodeJS.ProcessEnv): void {
  const audit = program
    .command("audit")
    .description("print the audit log, oldest first; --follow keeps printing new entries until interrupted")
    .option("--after <id>", "start after this entry id")
    .option("--follow", "wait for new entries")
    .option("--interval <seconds>", "with --follow: how often to ask for new entries", "2");
  audit.action(async () => {
    const flags = audit.opts<{ after?: string; follow?: boolean; interval: string }>();
    let after =
      flags.after === undefined ? undefined : wholeNumber("--after", flags.after, 0, Number.MAX_SAFE_INTEGER);
    const intervalMs = wholeNumber("--interval", flags.interval, 1, 3600) * 1000;
    const { client, json } = openSession(audit, env);
    const stop = new AbortController();
    const interrupt = () => stop.abort();
    process.once("SIGINT", interrupt);
    try {
      do {
        for await (const entry of client.audit({ after, pageSize: 1000, signal: stop.signal })) {
          process.stdout.write(`${json ? JSON.stringify(entry) : line(entry)}\n`);
          after = entry.id;
        }
        if (!flags.follow) return;
        await sleep(intervalMs, undefined, { signal: stop.signal });
      } while (!stop.signal.aborted);
    } catch (error) {
      // Ctrl-C ends --follow normally.
      if (!stop.signal.aborted) throw error;
    } finally {
      process.off("SIGINT", interrupt);
    }
  });
}

function line(entry: AuditEntry): string {
  const details =
    entry.details && Object.keys(entry.details).length > 0 ? ` ${JSON.stringify(entry.details)}` : "";
  return `${entry.id} ${entry.at} ${entry.outcome} ${entry.action} ${entry.target ?? "-"} by ${entry.actor}${details}`;
}

import type { HostCommand } from "@edge-pki/host-kit/cli";
import type { CertificateStore } from "../ports/certificate-store.js";
import { systemClock } from "../ports/clock.js";
import { openTokenRegistry } from "./open-token-registry.js";
import { environmentWithFlags } from "./setting-flags.js";
import { table } from "./table.js";

/** What a `list` subcommand over this host's store shows, and how. */
export interface ListCommandSpec<Item> {
  description: string;
  /** The `--json` help: which API answer the array matches. */
  jsonDescription: string;
  /** The items, newest first, rendered as the API renders them. */
  read(store: CertificateStore, limit: number, now: Date): Promise<Item[]>;
  header: string[];
  row(item: Item): string[];
}

/** `… list [--limit n] [--json]`: a table, or one JSON array as the API gives it. */
export function addListCommand<Item>(parent: HostCommand, spec: ListCommandSpec<Item>): void {
  const list = parent
    .command("list")
    .description(spec.description)
    .option("--limit <n>", "at most this many", "100")
    .option("--json", spec.jsonDescription);
  list.action(async () => {
    const { limit, json } = list.opts<{ limit: string; json?: boolean }>();
    if (!/^[1-9][0-9]{0,5}$/.test(limit)) list.error("--limit must be a whole number from 1 to 999999");
    const store = await openTokenRegistry(environmentWithFlags(list));
    try {
      const items = await spec.read(store, Number(limit), systemClock.now());
      process.stdout.write(
        json ? `${JSON.stringify(items, null, 2)}\n` : table([spec.header, ...items.map(spec.row)]),
      );
    } finally {
      await store.close();
    }
  });
}

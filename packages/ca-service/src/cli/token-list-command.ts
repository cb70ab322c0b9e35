import type { HostCommand } from "@edge-pki/host-kit/cli";
import { listApiTokens } from "../app/list-api-tokens.js";
import { renderApiToken } from "../http/render/api-token.js";
import { systemClock } from "../ports/clock.js";
import { openTokenRegistry } from "./open-token-registry.js";
import { environmentWithFlags } from "./setting-flags.js";
import { table } from "./table.js";

/** `token list`: what was minted, newest first, as a table or as JSON; never a token itself. */
export function addTokenListCommand(tokens: HostCommand): void {
  const list = tokens
    .command("list")
    .description("list the API tokens minted here, newest first (never the tokens themselves)")
    .option("--limit <n>", "at most this many", "100")
    .option("--json", "one JSON array, as GET /v1/tokens gives it");
  list.action(async () => {
    const { limit, json } = list.opts<{ limit: string; json?: boolean }>();
    if (!/^[1-9][0-9]{0,5}$/.test(limit)) list.error("--limit must be a whole number from 1 to 999999");
    const store = await openTokenRegistry(environmentWithFlags(list));
    try {
      const now = systemClock.now();
      const tokens = (await listApiTokens({ store }, { limit: Number(limit) })).map((record) =>
        renderApiToken(record, now),
      );
      if (json) {
        process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        return;
      }
      const rows = tokens.map((token) => [
        token.tokenId,
        token.subject,
        token.roles.join("+"),
        token.devicePrefix ?? "-",
        token.rateLimitPerMinute === null ? "default" : `${token.rateLimitPerMinute}/min`,
        token.expiresAt,
        token.status,
      ]);
      process.stdout.write(
        table([["TOKEN ID", "SUBJECT", "ROLES", "PREFIX", "RATE LIMIT", "EXPIRES", "STATUS"], ...rows]),
      );
    } finally {
      await store.close();
    }
  });
}

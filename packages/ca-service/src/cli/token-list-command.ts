import type { HostCommand } from "@edge-pki/host-kit/cli";
import { listApiTokens } from "../app/list-api-tokens.js";
import { renderApiToken } from "../http/render/api-token.js";
import { addListCommand } from "./list-command.js";

/** `token list`: what was minted, newest first, as a table or as JSON; never a token itself. */
export function addTokenListCommand(tokens: HostCommand): void {
  addListCommand(tokens, {
    description: "list the API tokens minted here, newest first (never the tokens themselves)",
    jsonDescription: "one JSON array, as GET /v1/tokens gives it",
    read: async (store, limit, now) =>
      (await listApiTokens({ store }, { limit })).map((record) => renderApiToken(record, now)),
    header: ["TOKEN ID", "SUBJECT", "ROLES", "PREFIX", "RATE LIMIT", "EXPIRES", "STATUS"],
    row: (token) => [
      token.tokenId,
      token.subject,
      token.roles.join("+"),
      token.devicePrefix ?? "-",
      token.rateLimitPerMinute === null ? "default" : `${token.rateLimitPerMinute}/min`,
      token.expiresAt,
      token.status,
    ],
  });
}

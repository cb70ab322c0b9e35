import type { Operations } from "@edge-pki/api-contract";
import { listApiTokens } from "../../app/list-api-tokens.js";
import { revokeApiToken } from "../../app/revoke-api-token.js";
import type { ServiceContext } from "../../app/service-context.js";
import { identityOf } from "../../core/principal.js";
import type { Handlers } from "../handler.js";
import { renderApiToken } from "../render/api-token.js";

/** The registry of API tokens minted here: listing them, and revoking one. */
export function apiTokenHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "listTokens" | "revokeToken"> {
  return {
    listTokens: async ({ query }) => {
      const now = context.clock.now();
      const records = await listApiTokens(context, { limit: query.limit });
      return { body: { items: records.map((record) => renderApiToken(record, now)) } };
    },
    revokeToken: async ({ params, principal }) => {
      const record = await revokeApiToken(context, { tokenId: params.tokenId, actor: identityOf(principal) });
      return { body: renderApiToken(record, context.clock.now()) };
    },
  };
}

import { TokenIdParams } from "@edge-pki/api-contract";
import type { HostCommand } from "@edge-pki/host-kit/cli";
import { revokeApiToken } from "../app/revoke-api-token.js";
import { systemClock } from "../ports/clock.js";
import { openTokenRegistry } from "./open-token-registry.js";
import { environmentWithFlags } from "./setting-flags.js";

/** `token revoke <jti>`: every replica refuses the token within seconds; audited. */
export function addTokenRevokeCommand(tokens: HostCommand): void {
  const revoke = tokens
    .command("revoke")
    .description("revoke an API token by its id (see token list): every replica refuses it within seconds")
    .argument("<token-id>", "the token's jti, as token list shows it");
  revoke.action(async (tokenId: string) => {
    if (!TokenIdParams.shape.tokenId.safeParse(tokenId).success) {
      revoke.error("<token-id> must be a token's jti, as token list shows it");
    }
    const store = await openTokenRegistry(environmentWithFlags(revoke));
    try {
      const record = await revokeApiToken(
        { store, clock: systemClock },
        { tokenId, actor: "edge-pki-ca token revoke" },
      );
      process.stdout.write(
        `revoked token ${record.tokenId} (subject ${record.subject}) at ${record.revokedAt?.toISOString()}\n`,
      );
    } finally {
      await store.close();
    }
  });
}

import type { Operations } from "@edge-pki/api-contract";
import { createEstCredential } from "../../app/create-est-credential.js";
import { listEstCredentials } from "../../app/list-est-credentials.js";
import { revokeEstCredential } from "../../app/revoke-est-credential.js";
import type { ServiceContext } from "../../app/service-context.js";
import { identityOf } from "../../core/principal.js";
import type { Handlers } from "../handler.js";
import { renderEstCredential } from "../render/est-credential.js";

/** The password is in this answer only: it must not linger in proxies or browser caches. */
const NO_STORE = { "Cache-Control": "no-store" };

/** The EST credential registry: creating a credential, listing them, revoking one. */
export function estCredentialHandlers(
  context: ServiceContext,
): Pick<Handlers<Operations>, "createEstCredential" | "listEstCredentials" | "revokeEstCredential"> {
  return {
    createEstCredential: async ({ body, principal }) => {
      const created = await createEstCredential(context, {
        username: body.username,
        password: body.password,
        devicePrefix: body.devicePrefix,
        deviceId: body.deviceId,
        lifetimeSeconds: body.ttlSeconds,
        actor: identityOf(principal),
      });
      const rendered = renderEstCredential(created.record, context.clock.now());
      return { body: { ...rendered, password: created.password }, headers: NO_STORE };
    },
    listEstCredentials: async ({ query }) => {
      const now = context.clock.now();
      const records = await listEstCredentials(context, { limit: query.limit });
      return { body: { items: records.map((record) => renderEstCredential(record, now)) } };
    },
    revokeEstCredential: async ({ params, principal }) => {
      const record = await revokeEstCredential(context, { id: params.id, actor: identityOf(principal) });
      return { body: renderEstCredential(record, context.clock.now()) };
    },
  };
}

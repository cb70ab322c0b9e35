import type { AuditEntry, Operations } from "@edge-pki/api-contract";
import { readAuditPage } from "../../app/read-audit-page.js";
import type { ServiceContext } from "../../app/service-context.js";
import type { AuditRecord } from "../../ports/certificate-store.js";
import type { Handlers } from "../handler.js";

export function auditHandlers(context: ServiceContext): Pick<Handlers<Operations>, "listAudit"> {
  return {
    listAudit: async ({ query }) => {
      const page = await readAuditPage(context, { limit: query.limit, after: query.after });
      return {
        body: {
          items: page.records.map(renderAuditEntry),
          next: page.next === undefined ? null : String(page.next),
        },
      };
    },
  };
}

function renderAuditEntry(record: AuditRecord): AuditEntry {
  return {
    id: record.id,
    at: record.at.toISOString(),
    actor: record.actor,
    action: record.action,
    target: record.target,
    outcome: record.outcome,
    ...(record.details && { details: record.details }),
  };
}

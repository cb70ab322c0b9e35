import { AuditPage, AuditQuery } from "@edge-pki/api-contract";
import type { z } from "zod";
import type { ServiceContext } from "../../app/service-context.js";
import type { AuditRecord } from "../../ports/certificate-store.js";
import { type Endpoint, endpoint } from "../endpoint.js";
import { badRequest } from "./problem-responses.js";

const DEFAULT_LIMIT = 100;

export function auditEndpoints(context: ServiceContext): Endpoint[] {
  return [
    endpoint<undefined, undefined, z.infer<typeof AuditQuery>>({
      method: "get",
      path: "/v1/audit",
      operationId: "listAudit",
      summary: "The audit log, oldest first, paged by id",
      access: "audit:read",
      tags: ["audit"],
      query: AuditQuery,
      responses: { 200: { description: "One page", schema: AuditPage }, 400: badRequest },
      handle: async ({ query }) => {
        const limit = query.limit ?? DEFAULT_LIMIT;
        const records = await context.store.listAudit({
          limit,
          ...(query.after !== undefined && { afterId: query.after }),
        });
        const last = records.at(-1);
        const page: AuditPage = {
          items: records.map(toWire),
          next: records.length === limit && last ? String(last.id) : null,
        };
        return { status: 200, body: page };
      },
    }),
  ];
}

function toWire(record: AuditRecord): AuditPage["items"][number] {
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

import type { AuditRecord, CertificateStore } from "../ports/certificate-store.js";

const DEFAULT_LIMIT = 100;

export interface AuditPage {
  records: AuditRecord[];
  /** The id to continue after; undefined on the last page. */
  next: number | undefined;
}

/** One page of the audit log, oldest first: entries with an id greater than `after`. */
export async function readAuditPage(
  deps: { store: Pick<CertificateStore, "listAudit"> },
  request: { limit?: number | undefined; after?: number | undefined },
): Promise<AuditPage> {
  const limit = request.limit ?? DEFAULT_LIMIT;
  const records = await deps.store.listAudit({
    limit,
    ...(request.after !== undefined && { afterId: request.after }),
  });
  const last = records.at(-1);
  return { records, next: records.length === limit && last ? last.id : undefined };
}

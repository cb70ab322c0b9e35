import type { Request } from "express";

/** Who is asking, for records and the audit log: the client address until tokens identify callers. */
export function requesterOf(request: Request): string {
  return `anonymous@${request.socket.remoteAddress ?? "unknown"}`;
}

/**
 * What a caller may be allowed to do. Endpoints name the one they need; roles grant sets of them.
 */
export type Permission =
  | "certificates:issue"
  | "certificates:read"
  | "certificates:revoke"
  | "bootstrap-tokens:create"
  | "tokens:create"
  | "audit:read";

/** Who may call an endpoint: anyone, or a caller holding the permission. */
export type Access = "public" | Permission;

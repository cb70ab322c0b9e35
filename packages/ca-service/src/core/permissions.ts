/**
 * What a caller may be allowed to do. Endpoints name the one they need; roles grant sets of them.
 */
export type Permission =
  | "certificates:issue"
  | "certificates:read"
  | "certificates:revoke"
  | "bootstrap-tokens:create"
  | "bootstrap-tokens:redeem"
  | "tokens:create"
  | "audit:read";

/** Who may call an endpoint: anyone, a caller holding the permission, or one holding any of several. */
export type Access = "public" | Permission | readonly Permission[];

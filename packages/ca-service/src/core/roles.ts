import type { Permission } from "./permissions.js";

export const ROLES = ["admin", "issuer", "reader", "device-bootstrap", "est-enroll"] as const;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do. `device-bootstrap` holds only the right to redeem its own one-time token,
 * so a leaked bootstrap token cannot reach any endpoint that does not name that permission.
 * `est-enroll`, held only by a caller with an EST Basic credential, likewise may only enroll over EST.
 */
const GRANTS: Record<Role, readonly Permission[]> = {
  admin: [
    "certificates:issue",
    "certificates:read",
    "certificates:revoke",
    "bootstrap-tokens:create",
    "tokens:create",
    "tokens:read",
    "tokens:revoke",
    "est-credentials:manage",
    "est-devices:block",
    "audit:read",
    "ca:verify",
    "metrics:read",
  ],
  issuer: ["certificates:issue", "bootstrap-tokens:create"],
  reader: ["certificates:read", "audit:read", "metrics:read"],
  "device-bootstrap": ["bootstrap-tokens:redeem"],
  "est-enroll": ["est:enroll"],
};

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(roles: readonly Role[]): Set<Permission> {
  return new Set(roles.flatMap((role) => GRANTS[role]));
}

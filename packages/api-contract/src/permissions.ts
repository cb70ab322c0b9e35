/**
 * What a caller may be allowed to do. Each bearer-authenticated operation names the permissions of
 * which the caller needs one; the service's roles grant sets of them.
 */
export const PERMISSIONS = [
  "certificates:issue",
  "certificates:read",
  "certificates:revoke",
  "bootstrap-tokens:create",
  "bootstrap-tokens:redeem",
  "tokens:create",
  "tokens:read",
  "tokens:revoke",
  "est-credentials:manage",
  "est-devices:block",
  "est:enroll",
  "audit:read",
  "ca:verify",
  "metrics:read",
] as const;

export type Permission = (typeof PERMISSIONS)[number];

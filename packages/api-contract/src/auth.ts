import { z } from "zod";
import { DeviceId, ListQuery } from "./schemas.js";

export const BootstrapTokenRequest = z
  .strictObject({
    deviceId: DeviceId,
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .optional()
      .describe("Lifetime in seconds (default 900, at most 86400)"),
  })
  .meta({ id: "BootstrapTokenRequest" });
export type BootstrapTokenRequest = z.infer<typeof BootstrapTokenRequest>;

export const BootstrapToken = z
  .object({
    token: z.string().describe("One-time bearer token for POST /v1/certificates with a CSR for this device"),
    expiresAt: z.iso.datetime(),
  })
  .meta({ id: "BootstrapToken" });
export type BootstrapToken = z.infer<typeof BootstrapToken>;

export const AuditQuery = ListQuery.extend({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("The `next` cursor of the previous page: entries with a greater id"),
});

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.iso.datetime(),
    actor: z.string().describe("Token subject, or anonymous@<address>"),
    action: z.string(),
    target: z.string().nullable(),
    outcome: z.enum(["success", "failure"]),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "AuditEntry" });
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditPage = z
  .object({
    items: z.array(AuditEntry),
    next: z.string().nullable().describe("Pass as `after` for the next page; null on the last page"),
  })
  .meta({ id: "AuditPage" });
export type AuditPage = z.infer<typeof AuditPage>;

export const JsonWebKeySet = z
  .object({ keys: z.array(z.record(z.string(), z.unknown())) })
  .meta({ id: "JsonWebKeySet" });

export const TokenIdParams = z.strictObject({
  tokenId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, {
      message: "tokenId must be a token's jti (hexadecimal, or base64url for older tokens)",
    })
    .describe("The token's jti"),
});

export const ApiToken = z
  .object({
    tokenId: z.string().describe("The token's jti; the token itself is never stored"),
    subject: z.string().describe("Who it stands for: the audit log shows token:<subject>"),
    roles: z.array(z.string()),
    devicePrefix: z.string().nullable(),
    rateLimitPerMinute: z
      .number()
      .int()
      .nullable()
      .describe("The token's own budget of requests per minute; null: the service's default for callers"),
    mintedAt: z.iso.datetime(),
    mintedBy: z.string(),
    expiresAt: z.iso.datetime(),
    status: z.enum(["live", "expired", "revoked"]),
    revokedAt: z.iso.datetime().nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: "ApiToken" });
export type ApiToken = z.infer<typeof ApiToken>;

export const ApiTokenList = z.object({ items: z.array(ApiToken) }).meta({ id: "ApiTokenList" });
export type ApiTokenList = z.infer<typeof ApiTokenList>;

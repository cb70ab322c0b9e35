import { z } from "zod";
import { DEVICE_PREFIX_PATTERN, DEVICE_PREFIX_RULE } from "./device-id.js";
import { DeviceId } from "./schemas.js";

/**
 * An EST username: what a device puts before the colon of `Authorization: Basic` (so never a colon)
 * and in `[cert_issuance.est.auth] username`. Unique without regard to case.
 */
export const EST_USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/;
/** A password chosen by the operator: long enough to resist guessing; visible ASCII, as config.toml holds it. */
export const EST_PASSWORD_MIN_LENGTH = 16;
export const EST_PASSWORD_PATTERN = /^[\x21-\x7e]{16,256}$/;
/** The longest life a credential may be given: ten years. */
export const EST_CREDENTIAL_MAX_SECONDS = 3650 * 86_400;

export const EstUsername = z
  .string()
  .regex(EST_USERNAME_PATTERN, {
    message:
      "username must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', '@' or '-', starting with a letter or digit",
  })
  .describe("The Basic username; unique without regard to case, and never reused once revoked");

const DevicePrefix = z
  .string()
  .regex(DEVICE_PREFIX_PATTERN, { message: `devicePrefix must be ${DEVICE_PREFIX_RULE}` });

export const CreateEstCredentialRequest = z
  .strictObject({
    username: EstUsername,
    password: z
      .string()
      .regex(EST_PASSWORD_PATTERN, {
        message: `password must be ${EST_PASSWORD_MIN_LENGTH} to 256 visible ASCII characters`,
      })
      .optional()
      .describe("Omit it to have a strong random password generated (returned once)"),
    devicePrefix: DevicePrefix.optional().describe("A fleet: the devices whose ID starts with it"),
    deviceId: DeviceId.optional().describe("One device: this ID only"),
    ttlSeconds: z
      .number()
      .int()
      .min(60)
      .max(EST_CREDENTIAL_MAX_SECONDS)
      .optional()
      .describe("Lifetime in seconds (default: until revoked; at most ten years)"),
  })
  .refine((request) => (request.devicePrefix === undefined) !== (request.deviceId === undefined), {
    message: "give exactly one of devicePrefix (a fleet) and deviceId (one device)",
    path: ["devicePrefix"],
  })
  .meta({ id: "CreateEstCredentialRequest" });
export type CreateEstCredentialRequest = z.infer<typeof CreateEstCredentialRequest>;

export const EstCredential = z
  .object({
    id: z.string().describe("What revoking names"),
    username: z.string(),
    devicePrefix: z.string().nullable(),
    deviceId: z.string().nullable(),
    createdAt: z.iso.datetime(),
    createdBy: z.string(),
    expiresAt: z.iso.datetime().nullable().describe("Null: until revoked"),
    status: z.enum(["live", "expired", "revoked"]),
    revokedAt: z.iso.datetime().nullable(),
    revokedBy: z.string().nullable(),
  })
  .meta({ id: "EstCredential" });
export type EstCredential = z.infer<typeof EstCredential>;

export const CreatedEstCredential = EstCredential.extend({
  password: z.string().describe("Returned this once: only its scrypt hash is stored"),
}).meta({ id: "CreatedEstCredential" });
export type CreatedEstCredential = z.infer<typeof CreatedEstCredential>;

export const EstCredentialList = z
  .object({ items: z.array(EstCredential) })
  .meta({ id: "EstCredentialList" });
export type EstCredentialList = z.infer<typeof EstCredentialList>;

export const EstCredentialIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { message: "id must be an EST credential's id (32 hexadecimal digits)" })
    .describe("The credential's id"),
});

import { z } from "zod";
import { DeviceId, ListQuery } from "./schemas.js";

/** What blocking a device from EST says of why: for the operators who read the list. */
export const EST_BLOCK_REASON_MAX_LENGTH = 200;
/**
 * What a reason may hold: text that reads as it prints. No control or format characters (which can
 * reorder or hide what a terminal shows, such as U+202E), no unpaired surrogates (which JSON readers
 * refuse), no private-use or unassigned code points, and not only spaces.
 */
const PRINTABLE_TEXT = /^(?=.*\S)[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]*$/su;
export const EST_BLOCK_REASON_RULE = `1 to ${EST_BLOCK_REASON_MAX_LENGTH} printable characters, not only spaces (no control or format characters)`;

export const BlockEstDeviceRequest = z
  .strictObject({
    deviceId: DeviceId.describe("The device; IDs compare without regard to case, as in DPS"),
    reason: z
      .string()
      .max(EST_BLOCK_REASON_MAX_LENGTH, { message: `reason must be ${EST_BLOCK_REASON_RULE}` })
      .regex(PRINTABLE_TEXT, { message: `reason must be ${EST_BLOCK_REASON_RULE}` })
      .optional()
      .describe("Why, for the operators who read the list (at most 200 characters)"),
  })
  .meta({ id: "BlockEstDeviceRequest" });
export type BlockEstDeviceRequest = z.infer<typeof BlockEstDeviceRequest>;

export const EstDeviceBlock = z
  .object({
    deviceId: z.string().describe("As it was blocked"),
    reason: z.string().nullable(),
    blockedAt: z.iso.datetime(),
    blockedBy: z.string(),
  })
  .meta({ id: "EstDeviceBlock" });
export type EstDeviceBlock = z.infer<typeof EstDeviceBlock>;

export const EstDeviceBlockQuery = ListQuery.extend({
  after: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,400}$/, { message: "after must be the next cursor of a previous page" })
    .optional()
    .describe("The `next` cursor of the previous page"),
});

export const EstDeviceBlockList = z
  .object({
    items: z.array(EstDeviceBlock),
    next: z.string().nullable().describe("Pass as `after` for the next page; null on the last page"),
  })
  .meta({ id: "EstDeviceBlockList" });
export type EstDeviceBlockList = z.infer<typeof EstDeviceBlockList>;

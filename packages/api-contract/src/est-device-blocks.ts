import { z } from "zod";
import { DeviceId } from "./schemas.js";

/** What blocking a device from EST says of why: for the operators who read the list. */
export const EST_BLOCK_REASON_MAX_LENGTH = 200;

export const BlockEstDeviceRequest = z
  .strictObject({
    deviceId: DeviceId.describe("The device; IDs compare without regard to case, as in DPS"),
    reason: z
      .string()
      .min(1)
      .max(EST_BLOCK_REASON_MAX_LENGTH)
      .regex(/^[^\p{Cc}]*$/u, { message: "reason may not hold control characters" })
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

export const EstDeviceBlockList = z
  .object({ items: z.array(EstDeviceBlock) })
  .meta({ id: "EstDeviceBlockList" });
export type EstDeviceBlockList = z.infer<typeof EstDeviceBlockList>;

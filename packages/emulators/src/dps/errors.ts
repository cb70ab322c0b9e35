/**
 * Errors as DPS answers them. The data plane (service and device APIs) sends
 * `ProvisioningServiceErrorDetails` (`{errorCode, trackingId, message, info, timestampUtc}`) with the
 * `x-ms-error-code` header; ARM sends `{error: {code, message}}`.
 */
import { randomUUID } from "node:crypto";

/** A data-plane error: `errorCode` is DPS's six-digit code, whose first three digits are the status. */
export class DpsError extends Error {
  override readonly name = "DpsError";

  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(now: Date): Record<string, unknown> {
    return {
      errorCode: this.errorCode,
      trackingId: randomUUID(),
      message: this.message,
      info: {},
      timestampUtc: now.toISOString(),
    };
  }
}

/** An ARM (management plane) error. */
export class ArmError extends Error {
  override readonly name = "ArmError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toBody(): Record<string, unknown> {
    return { error: { code: this.code, message: this.message } };
  }
}

export const badRequest = (message: string): DpsError => new DpsError(400, 400004, message);
export const unauthorized = (message: string): DpsError => new DpsError(401, 401002, message);
export const notFound = (message: string): DpsError => new DpsError(404, 404201, message);

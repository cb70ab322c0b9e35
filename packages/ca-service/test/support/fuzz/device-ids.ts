import { DEVICE_ID_PATTERN } from "@edge-pki/api-contract";
import fc from "fast-check";

/**
 * Valid device IDs: the contract's alphabet and length (fast-check cannot generate from the
 * pattern itself, whose lookahead forbids IDs made of dots only, so those are filtered out).
 */
export const deviceIdArbitrary = fc
  .stringMatching(/^[A-Za-z0-9\-._:]{1,64}$/)
  .filter((deviceId) => DEVICE_ID_PATTERN.test(deviceId));

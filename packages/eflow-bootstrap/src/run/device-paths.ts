import { resolve } from "node:path";
import { absoluteLayout } from "@edge-pki/client-sdk";

/** The files of a device in its protected folder (the SDK's IoT Edge layout). */
export function devicePaths(dir: string, deviceId: string) {
  return absoluteLayout(resolve(dir), deviceId);
}

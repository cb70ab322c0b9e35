import { createHash } from "node:crypto";
import { BootstrapError } from "../errors.js";
import { certificatePems } from "./pem.js";

/** Lower-case hex without colons. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replaceAll(":", "").toLowerCase();
}

/**
 * The root a chain ends at, when it is the pinned one (`ca.rootSha256`): the device trusts the
 * fingerprint it was given, not whatever root the network handed it.
 */
export function assertPinnedRoot(fullChainPem: string, rootSha256: string | undefined): string {
  const root = certificatePems(fullChainPem).at(-1);
  if (root === undefined) throw new BootstrapError("device_files_invalid", "the chain holds no certificate");
  if (rootSha256 === undefined) return root;
  const der = Buffer.from(root.replace(/-----[^-]+-----|\s/g, ""), "base64");
  const actual = createHash("sha256").update(der).digest("hex");
  if (actual !== normaliseFingerprint(rootSha256)) {
    throw new BootstrapError(
      "untrusted_root",
      `the chain ends at a root whose SHA-256 is ${actual}, not the pinned ${normaliseFingerprint(rootSha256)}`,
    );
  }
  return root;
}

import { createHash, X509Certificate } from "node:crypto";
import { BootstrapError } from "../errors.js";
import { certificatePems } from "./pem.js";

/** Lower-case hex without colons. */
export function normaliseFingerprint(fingerprint: string): string {
  return fingerprint.replaceAll(":", "").toLowerCase();
}

/**
 * The root a chain ends at, when it is the pinned one (`ca.rootSha256`): the device trusts the
 * fingerprint it was given, not whatever root the network handed it. `whose` says what the PEM is
 * in the message (the chain's last certificate, or the root the CA serves).
 */
export function assertPinnedRoot(
  fullChainPem: string,
  rootSha256: string | undefined,
  whose = "the chain ends at",
): string {
  const root = certificatePems(fullChainPem).at(-1);
  if (root === undefined) throw new BootstrapError("device_files_invalid", "the chain holds no certificate");
  if (rootSha256 === undefined) return root;
  const der = Buffer.from(root.replace(/-----[^-]+-----|\s/g, ""), "base64");
  const actual = createHash("sha256").update(der).digest("hex");
  if (actual !== normaliseFingerprint(rootSha256)) {
    // Named by subject: a chain in the wrong order ends at the device's own certificate, not a root.
    const subject = new X509Certificate(der).subject.replaceAll("\n", ", ");
    throw new BootstrapError(
      "untrusted_root",
      `${whose} ${subject} (SHA-256 ${actual}), not the pinned root ${normaliseFingerprint(rootSha256)}`,
    );
  }
  return root;
}

import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { x509 } from "../core/x509.js";

const run = promisify(execFile);

/**
 * Has openssl verify `leaf` under `root` through `intermediate`: an independent verifier, not our
 * own code. Returns openssl's verdict; throws with openssl's words when it does not verify.
 */
export async function verifyChainWithOpenssl(
  root: x509.X509Certificate,
  intermediate: x509.X509Certificate,
  leaf: x509.X509Certificate,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "edge-pki-keyvault-check-"));
  try {
    const file = async (name: string, certificate: x509.X509Certificate) => {
      const path = join(dir, name);
      await writeFile(path, certificate.toString("pem"));
      return path;
    };
    const args = [
      "verify",
      "-CAfile",
      await file("root.pem", root),
      "-untrusted",
      await file("issuing.pem", intermediate),
      await file("device.pem", leaf),
    ];
    const { stdout } = await run("openssl", args).catch(
      (error: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`openssl verify: ${(error.stderr || error.stdout || error.message).trim()}`);
      },
    );
    return stdout.trim().replace(dir, "").replace(/^\//, "");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

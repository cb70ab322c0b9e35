import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { UsageError } from "@edge-pki/host-kit/cli";
import { pemBlocks } from "../device/pem.js";

/** The current chain and key of a renewal, as their files hold them. */
export interface RenewalFiles {
  certificateChainPem: string;
  privateKeyPem: string;
}

const PRIVATE_KEY_PEM = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * Reads `--cert` and `--key` and checks them before anything is sent: files given the wrong way
 * round are named as such, and a key that does not belong to the chain's first certificate is
 * caught here rather than spending a proof the CA would refuse.
 */
export function readRenewalFiles(certPath: string, keyPath: string): RenewalFiles {
  const certificateChainPem = readText(certPath, "--cert");
  const privateKeyPem = readText(keyPath, "--key");
  const leaf = pemBlocks(certificateChainPem, "CERTIFICATE")[0];
  if (leaf === undefined || !PRIVATE_KEY_PEM.test(privateKeyPem)) {
    if (PRIVATE_KEY_PEM.test(certificateChainPem) && pemBlocks(privateKeyPem, "CERTIFICATE").length > 0) {
      throw new UsageError(
        `--cert and --key look swapped: ${certPath} holds a private key and ${keyPath} a certificate`,
      );
    }
    if (leaf === undefined) throw new UsageError(`--cert ${certPath} holds no PEM certificate`);
    throw new UsageError(`--key ${keyPath} holds no PEM private key`);
  }
  let key: KeyObject;
  let certificate: X509Certificate;
  try {
    key = createPrivateKey(privateKeyPem);
    certificate = new X509Certificate(leaf);
  } catch (error) {
    throw new Error(`cannot read ${certPath} or ${keyPath}: ${(error as Error).message}`);
  }
  if (!certificate.checkPrivateKey(key)) {
    throw new Error(
      `the key in ${keyPath} does not belong to the certificate in ${certPath} (${certificate.subject}): give the device's own key`,
    );
  }
  return { certificateChainPem, privateKeyPem };
}

function readText(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as Error).message}`);
  }
}

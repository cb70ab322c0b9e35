/**
 * A throw-away TLS identity for the emulator: a self-signed ECDSA P-256 certificate whose SANs cover
 * localhost, 127.0.0.1 and the host the emulator listens on, so clients can trust it with `ca`.
 */
import { webcrypto } from "node:crypto";
import { isIP } from "node:net";
import { x509 } from "./x509.js";

/** PEM certificate and PKCS#8 private key for `https.createServer`. */
export interface TlsIdentity {
  certificatePem: string;
  privateKeyPem: string;
}

const DAY_MS = 86_400_000;

/** Generates the TLS certificate; `hosts` are extra DNS names or IP addresses to put in the SAN. */
export async function createTlsIdentity(
  hosts: readonly string[] = [],
  now = Date.now(),
): Promise<TlsIdentity> {
  const crypto = webcrypto;
  const algorithm = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = (await crypto.subtle.generateKey(algorithm, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const names = new Map<string, x509.JsonGeneralName>();
  for (const host of ["localhost", "127.0.0.1", ...hosts]) {
    if (host === "" || host === "0.0.0.0" || host === "::") continue;
    names.set(host, { type: isIP(host) ? "ip" : "dns", value: host });
  }
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=Key Vault emulator (localhost)",
      notBefore: new Date(now - DAY_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      keys,
      signingAlgorithm: algorithm,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([...names.values()]),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return {
    certificatePem: certificate.toString("pem"),
    privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY"),
  };
}

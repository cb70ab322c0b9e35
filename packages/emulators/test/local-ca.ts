/** A local CA standing in for whatever signs the vault's CSR, and the CSR of a pending operation. */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import type { CertificateClient } from "@azure/keyvault-certificates";
import * as x509 from "@peculiar/x509";

export const ecdsa = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

/** A local CA standing in for whatever signs the vault's CSR. */
export async function localCa(): Promise<{
  certificate: x509.X509Certificate;
  keys: webcrypto.CryptoKeyPair;
}> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, [
    "sign",
    "verify",
  ])) as webcrypto.CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: "CN=Test Offline Root",
      keys,
      signingAlgorithm: ecdsa,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 86_400_000),
      extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
    },
    webcrypto,
  );
  return { certificate, keys };
}

/** A CA certificate for `publicKey`, valid from a minute ago for an hour unless `validity` says otherwise. */
export async function issue(
  ca: Awaited<ReturnType<typeof localCa>>,
  subject: x509.Name,
  publicKey: x509.PublicKey | webcrypto.CryptoKey,
  validity: { notBefore: Date; notAfter: Date } = {
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
  },
): Promise<x509.X509Certificate> {
  return x509.X509CertificateGenerator.create(
    {
      subject,
      issuer: ca.certificate.subjectName,
      publicKey,
      signingKey: ca.keys.privateKey,
      signingAlgorithm: ecdsa,
      ...validity,
      extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
    },
    webcrypto,
  );
}

export async function pendingCsr(
  client: CertificateClient,
  name: string,
): Promise<x509.Pkcs10CertificateRequest> {
  const operation = await client.getCertificateOperation(name);
  const csr = operation.getOperationState().certificateOperation?.csr;
  if (!csr) throw new Error("no CSR");
  return new x509.Pkcs10CertificateRequest(csr);
}
